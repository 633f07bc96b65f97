#!/usr/bin/env bash
# The aggregator beside Kafka Streams doing the same job, interleaved on the same broker and
# the same backlog: each round writes EVENTS flights-shaped JSON records (the real
# vega-datasets flights, looped: packages/bench/src/flights-backlog-main.ts) into a fresh
# 6-partition topic, then Kafka Streams (scripts/bench/streams/RoutesHourly.java: Jackson,
# per origin and destination per hour, exactly_once_v2, one stream thread, the JVM's default
# heap unless STREAMS_JAVA_OPTS says otherwise) and our aggregator (scripts/bench/aggregator.sh
# with BENCH_SHAPE=json: the declared json source, the same job, state and offsets
# checkpointed to Redis) each catch up on it from the start, in alternating order. Prints each
# run's events/s and peak RSS, then the medians and the ratios ours/theirs. Kafka Streams gets a
# grace of 20 years (STREAMS_GRACE_SECONDS): after its re-keying the repartition topic mixes
# partitions whose event times drift apart by more than a year in this catch-up, and with a
# shorter grace it drops records as late (1 s: 35% of them, 1 year: 24%) where ours drops none;
# its line says how many it dropped, which must be 0 for the figures to compare. Kafka Streams is
# done once its input offsets are committed and its threads processed every record in both
# sub-topologies (the re-keying, then the count); until session 24 the bench took the group's
# offsets summed over the input and the repartition topic, which got there far sooner (its
# line still prints that time; docs/benchmarks.md, session 24).
# BENCH_JOB=stats: instead of counts per route, per origin per hour the count, the sum of
# distance, the mean and the largest delay and the distinct destinations
# (scripts/bench/streams/FlightStatsHourly.java beside aggregator.sh's stats job).
# Needs Java 17 and Maven (Kafka Streams is resolved from Maven Central into .cache/), a
# broker and Redis running, and pnpm build.
#   KAFKA_BROKERS=127.0.0.1:9092 REDIS_URL=redis://127.0.0.1:6390 scripts/bench/streams-vs-ours.sh [events] [rounds]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
EVENTS="${1:-1000000}"
ROUNDS="${2:-3}"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS}" "${REDIS_URL:?set REDIS_URL}"
POM="$ROOT/scripts/bench/streams/pom.xml"
HASH="$(cat "$POM" "$ROOT"/scripts/bench/streams/*.java | sha256sum | cut -c1-12)"
CACHE="$ROOT/.cache/streams-bench/$HASH"
if [[ ! -d "$CACHE/classes" ]]; then
  mvn -q -B -f "$POM" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies -DoutputDirectory="$CACHE/libs" >&2
  javac -d "$CACHE/classes.partial" -cp "$CACHE/libs/*" "$ROOT"/scripts/bench/streams/*.java
  mv "$CACHE/classes.partial" "$CACHE/classes"
fi

STREAMS_MAIN="$([[ "${BENCH_JOB:-routes}" == stats ]] && echo FlightStatsHourly || echo RoutesHourly)"

streams_round() {
  local topic="$1" app="bench-streams-$(date +%s%N)" line
  # shellcheck disable=SC2086 # STREAMS_JAVA_OPTS is a list of flags
  line="$(/usr/bin/time -f '%M' -o /tmp/streamtally-bench-streams-rss java ${STREAMS_JAVA_OPTS:-} \
    -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.properties" -Dkafka.logs.dir="/tmp/streamtally-bench-streams-logs" \
    -Dbench.graceSeconds="${STREAMS_GRACE_SECONDS:-630720000}" -cp "$CACHE/libs/*:$CACHE/classes" \
    "$STREAMS_MAIN" "$KAFKA_BROKERS" "$topic" "$app-out" "$app" 2>/dev/null | grep '^kafka-streams:')"
  echo "$line; peak RSS $(( $(cat /tmp/streamtally-bench-streams-rss) / 1024 )) MB"
}

ours_round() {
  BENCH_SHAPE=json BENCH_TOPIC="$1" "$ROOT/scripts/bench/aggregator.sh" "$EVENTS" 2>/dev/null | grep '^aggregator:'
}

rate() { sed -E 's/.* = ([0-9]+) events\/s.*/\1/'; }
rss() { sed -E 's/.*peak RSS ([0-9]+) MB.*/\1/'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

: > /tmp/streamtally-bench-theirs; : > /tmp/streamtally-bench-ours
for round in $(seq 1 "$ROUNDS"); do
  topic="bench-flights-$(date +%s%N)"
  node "$ROOT/packages/bench/dist/flights-backlog-main.js" "$KAFKA_BROKERS" "$topic" "$EVENTS"
  if (( round % 2 )); then order=(streams ours); else order=(ours streams); fi
  for who in "${order[@]}"; do
    if [[ $who == streams ]]; then line="$(streams_round "$topic")"; echo "$line" >> /tmp/streamtally-bench-theirs
    else line="$(ours_round "$topic")"; echo "$line" >> /tmp/streamtally-bench-ours; fi
    echo "round $round: $line"
  done
done
theirs_rate=$(rate < /tmp/streamtally-bench-theirs | median); ours_rate=$(rate < /tmp/streamtally-bench-ours | median)
theirs_rss=$(rss < /tmp/streamtally-bench-theirs | median); ours_rss=$(rss < /tmp/streamtally-bench-ours | median)
echo "medians: Kafka Streams $theirs_rate events/s, $theirs_rss MB; ours $ours_rate events/s, $ours_rss MB"
awk -v a="$ours_rate" -v b="$theirs_rate" -v c="$ours_rss" -v d="$theirs_rss" 'BEGIN { printf "ours/Kafka Streams: throughput %.2fx, peak memory %.2fx\n", a / b, c / d }'
