#!/usr/bin/env bash
# Producer throughput: a generated file (default 1,000,000 rows) replayed as fast as
# possible (acks=all, idempotent) into a fresh topic on KAFKA_BROKERS. Prints events/s and
# peak resident memory. The node flags are the Dockerfile's. Build first (pnpm build); start a broker (scripts/kafka-local start).
# BENCH_SHAPE=json or csv: a declared source's file instead — flights-shaped records (the real
# vega-datasets flights, looped) as JSON Lines or a CSV export, replayed from a declaration
# like the aggregator's JSON benchmark's (SOURCE_FILE), keyed by origin.
# BENCH_BUILD=<checkout>: the producer built there (before-after.sh's earlier commit), measured by this script.
#   KAFKA_BROKERS=127.0.0.1:9092 [BENCH_SHAPE=json|csv] scripts/bench/producer.sh [rows]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/scripts/bench/lib.sh"
ROWS="${1:-1000000}"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS, e.g. 127.0.0.1:9092}"
TOPIC="bench-producer-$(date +%s%N)"
SHAPE="${BENCH_SHAPE:-user-action}"
if [[ "$SHAPE" == user-action ]]; then
  FILE="$(bench_file "$ROWS")"
  SOURCE=(INPUT_TOPIC="$TOPIC")
else
  KIND="$([[ "$SHAPE" == csv ]] && echo csv || echo jsonl)"
  FILE="/tmp/streamtally-bench-flights-$ROWS.$KIND"
  [[ -f "$FILE" ]] || node "$ROOT/packages/bench/dist/flights-file-main.js" "$FILE" "$ROWS" "$KIND"
  echo '{"name":"flights","topic":"'"$TOPIC"'","format":"json","time":"date","fields":{"date":{"column":"Flight Date","type":"timestamp","format":"yyyy/MM/dd HH:mm"},"origin":{"column":"Origin","type":"string"},"destination":{"column":"Destination","type":"string"},"delay":{"column":"Delay (min)","type":"integer"},"distance":{"column":"Distance","type":"integer"}}}' \
    > /tmp/streamtally-bench-source.json
  SOURCE=(SOURCE_FILE=/tmp/streamtally-bench-source.json KEY_FIELD=origin)
fi
/usr/bin/time -f '%M %e %U %S' -o /tmp/streamtally-bench-time \
  env INPUT_FILE="$FILE" "${SOURCE[@]}" DEAD_LETTER_TOPIC="$TOPIC.dlq" PACE=max METRICS_PORT=0 LOG_LEVEL=info PROGRESS=off \
  node --max-semi-space-size=8 "${BENCH_BUILD:-$ROOT}/services/producer/dist/main.js" > /tmp/streamtally-bench-producer.log 2>&1
read -r rss_kb wall user sys < /tmp/streamtally-bench-time
summary="$(grep '"replay finished"' /tmp/streamtally-bench-producer.log)"
events="$(sed -E 's/.*"events":([0-9]+).*/\1/' <<<"$summary")"
elapsed_ms="$(sed -E 's/.*"elapsedMs":([0-9]+).*/\1/' <<<"$summary")"
echo "producer ($SHAPE): $events events in $(awk "BEGIN{print $elapsed_ms/1000}") s = $(awk "BEGIN{printf \"%d\", $events/($elapsed_ms/1000)}") events/s; peak RSS $((rss_kb / 1024)) MB; CPU user ${user}s sys ${sys}s (file $FILE, topic $TOPIC)"
