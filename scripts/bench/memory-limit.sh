#!/usr/bin/env bash
# A benchmark run inside a memory cgroup, as a container's mem_limit would hold it (compose's
# *_MEMORY_LIMIT): Node sizes each thread's heap from the limit it finds there, so a peak RSS
# measured without one says little about whether the service fits. Prints the command's own
# output, then the group's peak usage and whether the kernel killed anything in it. Needs root
# and the memory controller (cgroup v2, or v1 mounted at /sys/fs/cgroup/memory).
#   scripts/bench/memory-limit.sh 384 scripts/bench/aggregator.sh 1000000
set -euo pipefail
LIMIT_MB="${1:?usage: memory-limit.sh <limit MB> <command…>}"
shift
NAME="streamtally-bench-$$"
if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  GROUP="/sys/fs/cgroup/$NAME"
  mkdir "$GROUP"
  echo "$((LIMIT_MB * 1024 * 1024))" > "$GROUP/memory.max"
  peak() { cat "$GROUP/memory.peak" 2>/dev/null || echo 0; }
  kills() { awk '$1 == "oom_kill" {print $2}' "$GROUP/memory.events"; }
elif [[ -d /sys/fs/cgroup/memory ]]; then
  GROUP="/sys/fs/cgroup/memory/$NAME"
  mkdir "$GROUP"
  echo "$((LIMIT_MB * 1024 * 1024))" > "$GROUP/memory.limit_in_bytes"
  peak() { cat "$GROUP/memory.max_usage_in_bytes"; }
  kills() { awk '$1 == "oom_kill" {print $2}' "$GROUP/memory.oom_control"; }
else
  echo "memory-limit.sh: no cgroup memory controller here" >&2
  exit 2
fi
trap 'rmdir "$GROUP" 2>/dev/null || true' EXIT
status=0
bash -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$GROUP" "$@" || status=$?
echo "memory-limit: ${LIMIT_MB} MB limit, peak usage $(($(peak) / 1024 / 1024)) MB, processes killed for memory: $(kills), exit $status"
