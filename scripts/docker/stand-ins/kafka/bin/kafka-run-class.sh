#!/usr/bin/env bash
# Runs a Kafka main class on the image's jars, with the distribution's variables.
set -euo pipefail
log4j="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/etc/kafka/docker/tools-log4j2.properties}"
# shellcheck disable=SC2086 # the *_OPTS variables hold several flags
exec java ${KAFKA_HEAP_OPTS:--Xmx256M} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true} \
  $log4j ${KAFKA_OPTS:-} -cp '/opt/kafka/libs/*' "$@"
