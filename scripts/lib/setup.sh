# Sourced by scripts/test and scripts/run-local: installs what a fresh machine lacks.
# shellcheck shell=bash

# corepack runs the pnpm pinned (with its sha512) in package.json. The registry mirror on
# our machines serves no npm signatures, so corepack's signature check is turned off; the
# tarball is still verified against the committed hash.
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export COREPACK_INTEGRITY_KEYS=0

pnpm() { corepack pnpm "$@"; }

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
  command -v corepack >/dev/null || { echo "setup: corepack is missing (it ships with Node.js 20)" >&2; return 1; }
  pnpm install --frozen-lockfile --reporter=append-only >&2
}

# redis_answers URL — true when a Redis server answers PING at URL.
redis_answers() {
  [[ -n "${1:-}" ]] && redis-cli -u "$1" ping 2>/dev/null | grep -q PONG
}
