#!/usr/bin/env bash
# The whole pipeline at fixed input rates: producer (PACE=fixed, looping over a generated
# file), aggregator with every default job plus a marker job, gateway, CLIENTS WebSocket
# clients in a process of their own, on the broker and Redis given. Per rate: WARMUP_SECONDS,
# then STEADY_SECONDS measured: input and aggregated events/s, consumer lag (bounded or
# growing), updates delivered, CPU and peak RSS per process, and event-to-screen latency
# p50/p99/max from marker events (how: packages/bench/src/markers.ts). Build first (pnpm build).
#   KAFKA_BROKERS=127.0.0.1:9092 REDIS_URL=redis://127.0.0.1:6379 scripts/bench/pipeline.sh [rate ...]
# Defaults: rates 1000 10000 50000 100000, CLIENTS=1000, WARMUP_SECONDS=15, STEADY_SECONDS=60.
# BACKFILL_EVENTS=N: per step, the input topic first holds N generated events, which the live
# jobs count; when the warm-up ends the aggregator restarts with a job added (the per-second
# chart again, under another name), which backfills those N events while the step's input and
# markers run; the step says how long it took (from the restart, and from the job's first
# records counted) and the markers' latency meanwhile (from the new instance's first live
# records, so not the restart's own pause: packages/bench/src/backfill.ts).
# BACKFILL_ALONE=race (with BACKFILL_EVENTS): a second aggregator with only that job, its own
# state and group, starts with the restart and counts the same backlog at the same time; the
# step says its rate too: the job alone on the same machine in the same minute (this machine's
# CPU speed drifts by half from minute to minute, so runs minutes apart do not compare). It
# takes CPU from the live pipeline: read the live latency from runs without it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/scripts/bench/lib.sh"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS, e.g. 127.0.0.1:9092 (scripts/kafka-local start)}"
: "${REDIS_URL:?set REDIS_URL, e.g. redis://127.0.0.1:6379 (scripts/redis-local start)}"
ulimit -n "$(ulimit -Hn)" # two sockets per client, both on this machine
ROWS="${BENCH_ROWS:-2000000}"
BENCH_FILE="$(bench_file "$ROWS")"
export BENCH_FILE
if [[ $# -gt 0 ]]; then RATES="$(IFS=,; echo "$*")"; export RATES; fi
if [[ -n "${BACKFILL_EVENTS:-}" ]]; then
  BACKFILL_FILE="$(BENCH_FILE= bench_file "$BACKFILL_EVENTS")"
  export BACKFILL_FILE BACKFILL_EVENTS
  # the added job's progress looked at often, so its end is measured to a quarter second
  export AGGREGATOR_PROGRESS_INTERVAL_MS="${AGGREGATOR_PROGRESS_INTERVAL_MS:-250}"
fi
exec node "$ROOT/packages/bench/dist/pipeline-main.js"
