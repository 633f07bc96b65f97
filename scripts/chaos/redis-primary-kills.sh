#!/usr/bin/env bash
# The aggregator's Redis failover test, run long: the Redis primary (behind three Sentinels)
# is SIGKILLed KILLS times mid-run, each time the replica promoted and the old primary brought
# back as a replica; passes only if the running total ends exact and no result version ever
# went down. Needs a broker (KAFKA_BROKERS) and builds first. Figures go to docs/reliability.md.
#   KAFKA_BROKERS=127.0.0.1:9092 scripts/chaos/redis-primary-kills.sh [kills]   (default 10)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=../lib/setup.sh
source "$ROOT/scripts/lib/setup.sh"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS (scripts/kafka-local start)}"
ensure_debian_packages redis-server:redis-server redis-cli:redis-tools
ensure_node_modules
pnpm run build >/dev/null
started=$(date +%s)
CHAOS_REDIS_KILLS="${1:-10}" CHAOS_TIMEOUT_MS=1800000 pnpm exec jest --ci --runInBand services/aggregator/test/redis-failover.cluster.test.ts
echo "chaos: ${1:-10} Redis primary kills: totals exact, no version went down ($(( $(date +%s) - started )) s in all)"
