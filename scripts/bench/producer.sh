#!/usr/bin/env bash
# Producer throughput: a generated file (default 1,000,000 rows) replayed as fast as
# possible (acks=all, idempotent) into a fresh topic on KAFKA_BROKERS. Prints events/s and
# peak resident memory. The node flags are the Dockerfile's. Build first (pnpm build); start a broker (scripts/kafka-local start).
#   KAFKA_BROKERS=127.0.0.1:9092 scripts/bench/producer.sh [rows]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/scripts/bench/lib.sh"
ROWS="${1:-1000000}"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS, e.g. 127.0.0.1:9092}"
FILE="$(bench_file "$ROWS")"
TOPIC="bench-producer-$(date +%s%N)"
/usr/bin/time -f '%M %e %U %S' -o /tmp/streamtally-bench-time \
  env INPUT_FILE="$FILE" INPUT_TOPIC="$TOPIC" DEAD_LETTER_TOPIC="$TOPIC.dlq" PACE=max METRICS_PORT=0 LOG_LEVEL=info PROGRESS=off \
  node --max-semi-space-size=8 "$ROOT/services/producer/dist/main.js" > /tmp/streamtally-bench-producer.log 2>&1
read -r rss_kb wall user sys < /tmp/streamtally-bench-time
summary="$(grep '"replay finished"' /tmp/streamtally-bench-producer.log)"
events="$(sed -E 's/.*"events":([0-9]+).*/\1/' <<<"$summary")"
elapsed_ms="$(sed -E 's/.*"elapsedMs":([0-9]+).*/\1/' <<<"$summary")"
echo "producer: $events events in $(awk "BEGIN{print $elapsed_ms/1000}") s = $(awk "BEGIN{printf \"%d\", $events/($elapsed_ms/1000)}") events/s; peak RSS $((rss_kb / 1024)) MB; CPU user ${user}s sys ${sys}s (file $FILE, topic $TOPIC)"
