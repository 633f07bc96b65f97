#!/usr/bin/env bash
# WebSocket abuse, measured: runs the gateway's abuse scenario (12 never-reading clients
# sending 1,000 subscribes each, beside one well-behaved client getting an update every
# 200 ms; services/gateway/test/ws-abuse.int.test.ts) ROUNDS times on its own, and prints
# the well-behaved client's longest gap between updates (goal: under 1 s) and the gateway
# process's memory growth, per case and round. The test itself only guards against
# starvation (2.5 s), since the full suite shares the two cores.
#   KAFKA_BROKERS=127.0.0.1:9092 scripts/bench/ws-abuse.sh [rounds]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS, e.g. 127.0.0.1:9092}"
ROUNDS="${1:-3}"
REPORT="$(mktemp /tmp/streamtally-ws-abuse.XXXXXX)"
trap 'rm -f "$REPORT"' EXIT
cd "$ROOT"
for ((round = 1; round <= ROUNDS; round++)); do
  WS_ABUSE_REPORT="$REPORT" corepack pnpm exec jest --silent services/gateway/test/ws-abuse.int.test.ts > /dev/null 2>&1 || echo "round $round: the test failed (run it with jest to see why)"
done
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
for (const name of [...new Set(rows.map((r) => r.case))]) {
  const mine = rows.filter((r) => r.case === name);
  console.log(`${name}: longest gap ${mine.map((r) => r.maxGapMs).join(" / ")} ms; memory growth ${mine.map((r) => r.rssGrowthMb).join(" / ")} MB`);
}' "$REPORT"
