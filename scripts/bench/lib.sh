# Shared by the benchmark scripts (sourced; ROOT set by the caller).

# bench_file ROWS: prints the path of a generated ROWS-row user_log.csv (BENCH_FILE if set),
# generating it once (seed 1, so every benchmark reads the same rows).
bench_file() {
  local file="${BENCH_FILE:-/tmp/streamtally-bench-$1.csv}"
  [[ -f "$file" ]] || node "$ROOT/services/producer/dist/main.js" generate --rows "$1" --out "$file" --seed 1 >&2
  echo "$file"
}

# write_backlog FILE TOPIC [PARTITIONS]: replays FILE into a fresh TOPIC as fast as it goes,
# with the Dockerfile's node flags, before the process under test starts.
write_backlog() {
  env INPUT_FILE="$1" INPUT_TOPIC="$2" DEAD_LETTER_TOPIC="$2.dlq" PACE=max TOPIC_PARTITIONS="${3:-6}" METRICS_PORT=0 LOG_LEVEL=warn PROGRESS=off \
    node --max-semi-space-size=8 "$ROOT/services/producer/dist/main.js" >/dev/null 2>&1
}
