#!/usr/bin/env bash
# Aggregator catch-up: 1,000,000 events already in a fresh topic (written by the producer),
# then one aggregator process with the gender-per-second job consumes the backlog. Prints
# events/s up to the last final result the emitter writes (see below), its CPU and Redis's,
# the share of its CPU time spent in checkpoints, and peak resident memory. The node flags are
# the Dockerfile's (plus --cpu-prof). BENCH_SHAPE=json: the backlog is flights-shaped
# JSON records instead (vega-datasets' US flights, packages/bench/src/flights-backlog-main.ts),
# read through a declared json source by one job keyed by origin and destination, hourly;
# with BENCH_JOB=stats, one job per origin per hour with count, sum, avg, max and distinct.
# BENCH_TOPIC=<topic>: that backlog (of the shape BENCH_SHAPE says), already written, instead of a new one.
# BENCH_BUILD=<checkout>: the aggregator built there (before-after.sh's earlier commit), measured by this script.
# SETTLE_SECONDS (10): how long the run waits for another final result before it ends (see below);
# BENCH_METRICS_FILE=<path>: the aggregator's /metrics written there before it is stopped;
# BENCH_TRACE=1: records and finals so far printed as the run goes (stderr);
# BENCH_HEAP=1: also where the aggregator allocated (heap-sampling.cjs), printed by
#   heap-top.cjs at the end.
#   KAFKA_BROKERS=127.0.0.1:9092 REDIS_URL=redis://127.0.0.1:6390 [BENCH_SHAPE=json] scripts/bench/aggregator.sh [events]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/scripts/bench/lib.sh"
EVENTS="${1:-1000000}"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS}" "${REDIS_URL:?set REDIS_URL}"
RUN="bench-agg-$(date +%s%N)"
INPUT="${BENCH_TOPIC:-$RUN}"
if [[ "${BENCH_SHAPE:-user-action}" == json ]]; then
  [[ -n "${BENCH_TOPIC:-}" ]] || node "$ROOT/packages/bench/dist/flights-backlog-main.js" "$KAFKA_BROKERS" "$INPUT" "$EVENTS"
  SOURCE="{\"name\":\"flights\",\"topic\":\"$INPUT\",\"format\":\"json\",\"time\":\"date\",\"fields\":{\"date\":{\"type\":\"timestamp\",\"format\":\"yyyy/MM/dd HH:mm\"},\"origin\":{\"type\":\"string\"},\"destination\":{\"type\":\"string\"},\"delay\":{\"type\":\"integer\"},\"distance\":{\"type\":\"integer\"}}}"
  if [[ "${BENCH_JOB:-routes}" == stats ]]; then
    # per origin per hour: count, sum(distance), avg(delay), max(delay), distinct(destination)
    AGGREGATES="${BENCH_AGGREGATES:-}"; [[ -n "$AGGREGATES" ]] || AGGREGATES='[{"name":"flights","op":"count"},{"name":"miles","op":"sum","field":"distance"},{"name":"meanDelay","op":"avg","field":"delay"},{"name":"worstDelay","op":"max","field":"delay"},{"name":"destinations","op":"distinct","field":"destination"}]'
    JOBS="{\"sources\":[$SOURCE],\"jobs\":[{\"name\":\"flight-stats-hourly\",\"source\":\"flights\",\"key\":{\"field\":\"origin\"},\"window\":{\"type\":\"tumbling\",\"sizeMs\":3600000},\"allowedLatenessMs\":1000,\"maxKeys\":5000,\"aggregates\":$AGGREGATES}]}"
  else
    JOBS="{\"sources\":[$SOURCE],\"jobs\":[{\"name\":\"routes-hourly\",\"source\":\"flights\",\"key\":{\"fields\":[\"origin\",\"destination\"]},\"window\":{\"type\":\"tumbling\",\"sizeMs\":3600000},\"allowedLatenessMs\":1000,\"maxKeys\":5000}]}"
  fi
else
  FILE="$(bench_file "$EVENTS")"
  [[ -n "${BENCH_TOPIC:-}" ]] || write_backlog "$FILE" "$INPUT"
  JOBS="[{\"name\":\"gender-per-second\",\"source\":\"$INPUT\",\"key\":{\"field\":\"gender\"},\"window\":{\"type\":\"tumbling\",\"sizeMs\":1000},\"allowedLatenessMs\":1000}]"
fi
echo "backlog of $EVENTS ${BENCH_SHAPE:-user-action} events in $INPUT" >&2
PORT="$(node "$ROOT/scripts/lib/free-port.cjs" 9475)"
JOBS="$JOBS" \
  IDLE_TIMEOUT_MS=3600000 STATE_NAMESPACE="$RUN" CONSUMER_GROUP="$RUN" RESULTS_TOPIC="$RUN-results" LATE_EVENTS_TOPIC="$RUN-late" DEAD_LETTER_TOPIC="$RUN-dlq" \
  METRICS_PORT="$PORT" METRICS_HOST=127.0.0.1 LOG_LEVEL=warn HEAP_SAMPLING_FILE="/tmp/$RUN.heapprofile" NODE_OPTIONS="${BENCH_HEAP:+--require=$ROOT/scripts/bench/heap-sampling.cjs}" \
  node --max-semi-space-size=8 --cpu-prof --cpu-prof-dir="/tmp/$RUN-profile" \
  "${BENCH_BUILD:-$ROOT}/services/aggregator/dist/main.js" > /tmp/streamtally-bench-aggregator.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT # (the profile is written on a clean exit)
# one metric's lines summed (a name, or a pattern after it: name.*label="x"), asked for by name:
# the whole registry took the aggregator about 2 ms a request, and the run asks up to 20 times a
# second (docs/benchmarks.md, session 29); a build from before session 29 (BENCH_BUILD) serves
# no filter (404), so then the whole registry
metric() {
  local name="${1%%.\**}"; name="${name%_sum}"
  { curl -sf "127.0.0.1:$PORT/metrics?name%5B%5D=$name" || curl -s "127.0.0.1:$PORT/metrics"; } | awk -v m="$1" '$1 ~ "^"m {sum += $NF} END {printf "%.6f", sum}'
}
until [[ "$(metric streamtally_aggregator_records_total)" != "0.000000" && -n "$(metric streamtally_aggregator_records_total)" ]]; do sleep 0.05; done
# Redis's CPU seconds (its own and its children's: AOF rewrites), where redis-cli can ask
redis_cpu() { redis-cli -u "$REDIS_URL" info cpu 2>/dev/null | awk -F: '/^used_cpu_(sys|user)(_children)?:/ {s += $2} END {printf "%.2f", s}'; }
start_redis_cpu=$(redis_cpu)
start_ns=$(date +%s%N); start_cpu=$(awk '{print $14+$15}' /proc/$PID/stat); start_ckpt=$(metric streamtally_aggregator_checkpoint_duration_seconds_sum)
start_records=$(metric streamtally_aggregator_records_total)
peak_kb=0
while :; do
  records=$(metric streamtally_aggregator_records_total)
  rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$PID/status); (( rss_kb > peak_kb )) && peak_kb=$rss_kb
  [[ -z "${BENCH_TRACE:-}" ]] || echo "trace: $(( ($(date +%s%N) - start_ns) / 1000000 )) ms ${records%.*} records $(metric 'streamtally_aggregator_results_total.*final="true"') finals, CPU $(awk '{print $14+$15}' /proc/$PID/stat) ticks, Redis $(redis_cpu) s" >&2
  [[ "${records%.*}" -ge "$EVENTS" ]] && break
  sleep 0.1
done
records_ns=$(date +%s%N)
# then until the emitter has caught up: the run ends with the last final result, once none
# came for SETTLE_SECONDS (10). The aggregator runs with IDLE_TIMEOUT_MS at an hour, so the
# newest windows, which would close only once the partitions had been idle that long, stay
# open: the time is the work's, not the idle timeout's. Until session 26 the run ended with the
# last record checkpointed, leaving out the finals still to write then (from a twentieth to
# most of them): runs came out fast or slow by how far behind the emitter happened to be
# (docs/benchmarks.md, session 26).
finals_metric='streamtally_aggregator_results_total.*final="true"'
finals=$(metric "$finals_metric"); end_ns=$(date +%s%N); end_cpu=$(awk '{print $14+$15}' /proc/$PID/stat)
end_ckpt=$(metric streamtally_aggregator_checkpoint_duration_seconds_sum)
end_redis_cpu=$(redis_cpu)
while (( $(date +%s%N) - end_ns < ${SETTLE_SECONDS:-10} * 1000000000 )); do
  sleep 0.05
  now_finals=$(metric "$finals_metric")
  if [[ "$now_finals" != "$finals" ]]; then
    finals=$now_finals; end_ns=$(date +%s%N); end_cpu=$(awk '{print $14+$15}' /proc/$PID/stat); end_redis_cpu=$(redis_cpu)
    [[ -z "${BENCH_TRACE:-}" ]] || echo "trace: $(( (end_ns - start_ns) / 1000000 )) ms ${finals%.*} finals, CPU $end_cpu ticks, Redis $end_redis_cpu s" >&2
  fi
  rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$PID/status); (( rss_kb > peak_kb )) && peak_kb=$rss_kb
done
ticks=$(getconf CLK_TCK)
awk -v rc="$(awk -v a="$start_redis_cpu" -v b="$end_redis_cpu" 'BEGIN {printf "%.2f", b - a}')" -v n="$EVENTS" -v r0="$start_records" -v t=$(( end_ns - start_ns )) -v tr=$(( records_ns - start_ns )) -v c=$(( end_cpu - start_cpu )) -v hz="$ticks" -v k0="$start_ckpt" -v k1="$end_ckpt" -v rss="$peak_kb" -v f="$finals" 'BEGIN {
  seconds = t / 1e9; cpu = c / hz; checkpoint = k1 - k0;
  printf "aggregator: %d events in %.2f s = %d events/s; CPU %.2f s (Redis %.2f s); checkpoint calls in flight %.2f s (wall time, overlapping); peak RSS %d MB; %d final results, the last %.2f s after the last record was checkpointed (%d events/s up to that)\n",
    n - r0, seconds, (n - r0) / seconds, cpu, rc, checkpoint, rss / 1024, f, (t - tr) / 1e9, (n - r0) / (tr / 1e9) }'
[[ -z "${BENCH_METRICS_FILE:-}" ]] || curl -s "127.0.0.1:$PORT/metrics" > "$BENCH_METRICS_FILE"
kill "$PID"; wait "$PID" || true
# its state goes with it: runs after it find Redis as they would without it
redis-cli -u "$REDIS_URL" --scan --pattern "st:{$RUN}:*" 2>/dev/null | xargs -r -n 500 redis-cli -u "$REDIS_URL" unlink >/dev/null 2>&1 || true
node "$ROOT/scripts/bench/checkpoint-cpu-share.cjs" "/tmp/$RUN-profile/$(ls "/tmp/$RUN-profile" | head -1)"
[[ -z "${BENCH_HEAP:-}" ]] || node "$ROOT/scripts/bench/heap-top.cjs" "/tmp/$RUN.heapprofile" 20
