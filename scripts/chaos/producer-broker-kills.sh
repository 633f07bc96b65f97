#!/usr/bin/env bash
# The producer's exactly-once test on a private three-broker cluster, run long: ROWS rows
# replayed at RATE rows/s while the leader of partition 0, 1, 2, 0, … is SIGKILLed KILLS times
# (each brought back once a new leader is elected); passes only if the topic ends with every
# row exactly once. Figures go to docs/reliability.md. No broker or Redis needed: the test
# starts its own cluster. Installs what is missing like scripts/test.
#   scripts/chaos/producer-broker-kills.sh [rows] [kills] [rate]   (default 1000000 10 20000)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=../lib/setup.sh
source "$ROOT/scripts/lib/setup.sh"
ensure_debian_packages java:openjdk-17-jre-headless mvn:maven
ensure_node_modules
pnpm run build >/dev/null
started=$(date +%s)
CHAOS_ROWS="${1:-1000000}" CHAOS_KILLS="${2:-10}" CHAOS_RATE="${3:-20000}" CHAOS_TIMEOUT_MS=1800000 \
  pnpm exec jest --ci --runInBand services/producer/test/exactly-once.cluster.test.ts
echo "chaos: ${1:-1000000} rows, ${2:-10} leader kills at ${3:-20000} rows/s: every row exactly once ($(( $(date +%s) - started )) s in all)"
