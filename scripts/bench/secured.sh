#!/usr/bin/env bash
# What TLS and SASL cost: the producer and aggregator benchmarks (producer.sh, aggregator.sh)
# on one secured broker of their own (scripts/kafka-local, KAFKA_LOCAL_SECURITY=secured),
# interleaved round by round: PLAINTEXT (the broker's loopback listener) beside SASL_SSL with
# SCRAM-SHA-512 (its client listener) — the same broker, the same data, the same hour.
# Build first (pnpm build); needs a Redis (REDIS_URL).
#   REDIS_URL=redis://127.0.0.1:6390 scripts/bench/secured.sh [rows] [rounds]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROWS="${1:-1000000}"
ROUNDS="${2:-3}"
: "${REDIS_URL:?set REDIS_URL, e.g. redis://127.0.0.1:6390}"
DIR="$(mktemp -d -t streamtally-bench-secured.XXXXXX)"
PORT="$(node "$ROOT/scripts/lib/free-port.cjs" 19192)"
PASSWORD="$(openssl rand -hex 16)"
export KAFKA_LOCAL_SECURITY=secured KAFKA_LOCAL_PORT="$PORT" KAFKA_LOCAL_DIR="$DIR/kafka" \
  KAFKA_LOCAL_CONTROLLER_PORT=$((PORT + 1)) KAFKA_LOCAL_USERS="admin:$PASSWORD" KAFKA_LOCAL_TLS_DIR="$DIR/pki"
"$ROOT/scripts/test-pki" "$DIR/pki" >/dev/null 2>&1
cleanup() { "$ROOT/scripts/kafka-local" stop >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
"$ROOT/scripts/kafka-local" start >&2

plaintext() { env KAFKA_BROKERS="127.0.0.1:$((PORT + 4))" "$@"; }
sasl_ssl() {
  env KAFKA_BROKERS="127.0.0.1:$PORT" KAFKA_SECURITY_PROTOCOL=SASL_SSL KAFKA_SASL_MECHANISM=SCRAM-SHA-512 \
    KAFKA_SASL_USERNAME=admin KAFKA_SASL_PASSWORD="$PASSWORD" KAFKA_SSL_CA_FILE="$DIR/pki/ca.pem" "$@"
}

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round: producer PLAINTEXT | $(plaintext "$ROOT/scripts/bench/producer.sh" "$ROWS")"
  echo "round $round: producer SASL_SSL  | $(sasl_ssl "$ROOT/scripts/bench/producer.sh" "$ROWS")"
  echo "round $round: aggregator PLAINTEXT | $(plaintext "$ROOT/scripts/bench/aggregator.sh" "$ROWS" 2>/dev/null | head -1)"
  echo "round $round: aggregator SASL_SSL  | $(sasl_ssl "$ROOT/scripts/bench/aggregator.sh" "$ROWS" 2>/dev/null | head -1)"
done
