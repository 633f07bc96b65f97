#!/usr/bin/env bash
# A change measured against the code before it: one of the benchmark scripts run from a build
# of an earlier commit and from this checkout, interleaved round by round on the same broker
# and Redis (the environment's KAFKA_BROKERS, REDIS_URL), so both see the same machine load.
# The earlier commit is built once in a git worktree under .cache/bench-before/<commit>.
#   KAFKA_BROKERS=… REDIS_URL=… scripts/bench/before-after.sh <commit> <producer|aggregator> [rows] [rounds]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../lib/setup.sh
source "$ROOT/scripts/lib/setup.sh"
COMMIT="${1:?usage: before-after.sh <commit> <producer|aggregator> [rows] [rounds]}"
BENCH="${2:?which benchmark: producer or aggregator}"
ROWS="${3:-1000000}"
ROUNDS="${4:-5}"
ensure_node
BEFORE="$ROOT/.cache/bench-before/$(git -C "$ROOT" rev-parse --short "$COMMIT")"
if [[ ! -f "$BEFORE/.built" ]]; then
  rm -rf "$BEFORE"
  git -C "$ROOT" worktree add --detach --force "$BEFORE" "$COMMIT" >&2
  (cd "$BEFORE" && pnpm install --frozen-lockfile --reporter=silent >&2 && pnpm run build >&2)
  touch "$BEFORE/.built"
fi
# both arms measured by this checkout's script (BENCH_BUILD: the service it runs), so a change to how
# the benchmark measures applies to both (session 26: the aggregator's run ends with its last final result)
before() { echo "round $1: before ($COMMIT) | $(BENCH_BUILD="$BEFORE" "$ROOT/scripts/bench/$BENCH.sh" "$ROWS" 2>/dev/null | head -1)"; }
after() { echo "round $1: after  (checkout) | $("$ROOT/scripts/bench/$BENCH.sh" "$ROWS" 2>/dev/null | head -1)"; }
# alternating which goes first: the second of a round runs on a broker and Redis the first just loaded
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then before "$round"; after "$round"; else after "$round"; before "$round"; fi
done
