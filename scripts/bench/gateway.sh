#!/usr/bin/env bash
# Gateway fan-out: 5,000 WebSocket clients subscribed, 10 updates a second for 30 s through
# a fresh results topic. Prints delivery, latency percentiles and the gateway's peak RSS.
#   KAFKA_BROKERS=127.0.0.1:9092 scripts/bench/gateway.sh [clients] [updates/s] [seconds]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS}"
CLIENTS="${1:-5000}" RATE="${2:-10}" SECONDS_="${3:-30}"
ulimit -n "$(ulimit -Hn)" # two sockets per client, both on this machine
TOPIC="bench-results-$(date +%s%N)"
kcat -b "$KAFKA_BROKERS" -L >/dev/null 2>&1 || true
node -e "
  const path = require('node:path');
  const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [path.join('$ROOT', 'packages/kafka-client')] }));
  const admin = new Kafka({ brokers: '$KAFKA_BROKERS'.split(','), logLevel: logLevel.NOTHING }).admin();
  admin.connect().then(() => admin.createTopics({ waitForLeaders: true, topics: [{ topic: '$TOPIC', numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })).then(() => admin.disconnect());
"
PORT="$(node "$ROOT/scripts/lib/free-port.cjs" 18090)"
RESULTS_TOPIC="$TOPIC" HOST=127.0.0.1 PORT="$PORT" METRICS_PORT=0 MAX_CONNECTIONS=$((CLIENTS + 100)) LOG_LEVEL=warn \
  node "$ROOT/services/gateway/dist/main.js" > /tmp/streamtally-bench-gateway.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.2; done
node "$ROOT/scripts/bench/gateway-load.cjs" "ws://127.0.0.1:$PORT/ws" "$KAFKA_BROKERS" "$TOPIC" "$PID" "$CLIENTS" "$RATE" "$SECONDS_"
