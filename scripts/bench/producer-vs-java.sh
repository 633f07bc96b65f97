#!/usr/bin/env bash
# Our producer beside Kafka's own Java producer on the same broker, interleaved: Kafka's
# ProducerPerformance (org.apache.kafka:kafka-tools, the broker's version, fetched by
# scripts/kafka-local) writes ROWS records of RECORD_SIZE bytes (default 187, our average
# event), acks=all, idempotent, into a fresh 6-partition topic; scripts/bench/producer.sh
# replays a ROWS-row CSV (parsing, validating, keying, acks=all, idempotent). ROUNDS rounds;
# prints each figure, the medians and the ratio ours/Java. Build first; a broker must run.
#   KAFKA_BROKERS=127.0.0.1:9092 scripts/bench/producer-vs-java.sh [rows] [rounds]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROWS="${1:-1000000}"
ROUNDS="${2:-3}"
RECORD_SIZE="${RECORD_SIZE:-187}"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS, e.g. 127.0.0.1:9092}"
"$ROOT/scripts/kafka-local" fetch
POM_HASH="$(sha256sum "$ROOT/scripts/kafka/pom.xml" | cut -c1-12)"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/scripts/kafka/pom.xml")"
CACHE="${KAFKA_LOCAL_CACHE:-$ROOT/.cache/kafka-local/libs-$KAFKA_VERSION-$POM_HASH}"

java_round() {
  local topic="bench-java-$(date +%s%N)"
  node -e '
    const path = require("node:path");
    const { createKafka, ensureTopics } = require(path.join(process.argv[1], "packages/kafka-client/dist"));
    const { silentLogger } = require(path.join(process.argv[1], "packages/observability/dist"));
    const admin = createKafka({ brokers: process.argv[2].split(","), clientId: "bench", logger: silentLogger() }).admin();
    admin.connect().then(() => ensureTopics(admin, [{ topic: process.argv[3], numPartitions: 6 }])).then(() => admin.disconnect());
  ' "$ROOT" "$KAFKA_BROKERS" "$topic"
  java -cp "$CACHE/*" -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.properties" org.apache.kafka.tools.ProducerPerformance \
    --topic "$topic" --num-records "$ROWS" --record-size "$RECORD_SIZE" --throughput -1 \
    --producer-props bootstrap.servers="$KAFKA_BROKERS" acks=all enable.idempotence=true 2>/dev/null \
    | tail -1 | sed -E 's/.* records sent, ([0-9.]+) records\/sec.*/\1/' | cut -d. -f1
}

ours_round() {
  "$ROOT/scripts/bench/producer.sh" "$ROWS" | sed -E 's/.* = ([0-9]+) events\/s.*/\1/'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

java_rates=() ours_rates=()
for round in $(seq 1 "$ROUNDS"); do
  java_rates+=("$(java_round)")
  ours_rates+=("$(ours_round)")
  echo "round $round: Java ProducerPerformance ${java_rates[-1]} records/s, streamtally producer ${ours_rates[-1]} events/s"
done
java_median="$(printf '%s\n' "${java_rates[@]}" | median)"
ours_median="$(printf '%s\n' "${ours_rates[@]}" | median)"
echo "medians: Java $java_median records/s, ours $ours_median events/s; ratio ours/Java $(awk -v a="$ours_median" -v b="$java_median" 'BEGIN { printf "%.2f", a / b }')"
