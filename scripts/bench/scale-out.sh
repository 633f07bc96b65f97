#!/usr/bin/env bash
# Aggregator scale-out: one backlog of EVENTS events on a 12-partition topic, counted once by
# one aggregator instance and once by three (same jobs, fresh group and state each), timed
# from start to the last event counted (Redis offsets). Prints both rates, their ratio, and
# whether the two runs' results are identical (every window's latest counts). Build first;
# a broker and Redis must run (scripts/kafka-local, scripts/redis-local).
#   KAFKA_BROKERS=127.0.0.1:9092 REDIS_URL=redis://127.0.0.1:6390 scripts/bench/scale-out.sh [events]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/scripts/bench/lib.sh"
EVENTS="${1:-1000000}"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS}" "${REDIS_URL:?set REDIS_URL}"
FILE="$(bench_file "$EVENTS")"
TOPIC="bench-scale-$(date +%s%N)"
write_backlog "$FILE" "$TOPIC" 12
echo "backlog of $EVENTS events on $TOPIC (12 partitions)" >&2
JOBS="$(node -e 'const s=process.argv[1]; console.log(JSON.stringify([
  {name:"gender-1s",source:s,key:{field:"gender"},window:{type:"tumbling",sizeMs:1000},allowedLatenessMs:1000},
  {name:"provinces-60s",source:s,key:{field:"province"},window:{type:"hopping",sizeMs:60000,slideMs:1000},allowedLatenessMs:1000},
  {name:"gender-total",source:s,key:{field:"gender"},window:{type:"running"}}]))' "$TOPIC")"

counted() { # events counted in namespace $1: the sum of the partitions' offsets in Redis
  local total=0 p offset
  for p in $(seq 0 11); do
    offset="$(redis-cli -u "$REDIS_URL" hget "st:{$1}:part:$TOPIC:$p" offset 2>/dev/null || true)"
    total=$((total + ${offset:-0}))
  done
  echo "$total"
}

run() { # $1 instances; prints "<events/s> <namespace>"
  local instances="$1" run="$TOPIC-x$1" pids=() i start end
  start=$(date +%s%N)
  for i in $(seq 1 "$instances"); do
    JOBS="$JOBS" STATE_NAMESPACE="${run//./-}" CONSUMER_GROUP="$run" RESULTS_TOPIC="$run-results" LATE_EVENTS_TOPIC="$run-late" \
      DEAD_LETTER_TOPIC="$run-dlq" TOPIC_PARTITIONS=12 METRICS_PORT=0 LOG_LEVEL=warn \
      node --max-semi-space-size=8 "$ROOT/services/aggregator/dist/main.js" > "/tmp/$run-$i.log" 2>&1 &
    pids+=($!)
  done
  until [[ "$(counted "${run//./-}")" -ge "$EVENTS" ]]; do sleep 0.2; done
  end=$(date +%s%N)
  sleep 3 # the last results out
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
  echo "$(awk -v n="$EVENTS" -v t=$((end - start)) 'BEGIN { printf "%d", n / (t / 1e9) }') $run"
}

read -r one one_run < <(run 1)
echo "1 instance:  $one events/s (from start, group joins included)"
read -r three three_run < <(run 3)
echo "3 instances: $three events/s"
awk -v a="$one" -v b="$three" 'BEGIN { printf "ratio 3/1: %.2f\n", b / a }'
node "$ROOT/scripts/bench/compare-results.cjs" "$KAFKA_BROKERS" "$one_run-results" "$three_run-results"
