#!/bin/sh
# Alertmanager reads no environment: this writes its configuration with ALERT_WEBHOOK_URL in
# place of the placeholder, then starts it with the arguments given. A URL is taken as it is
# (no character of it is special here, & and | included).
#   ALERT_WEBHOOK_URL=… start.sh [alertmanager flags]
# AM_CONFIG_IN, AM_CONFIG_OUT and AM_BINARY say where (defaults: the container's paths).
set -eu
: "${ALERT_WEBHOOK_URL:?set ALERT_WEBHOOK_URL (.env) to where alerts should go}"
in="${AM_CONFIG_IN:-/etc/streamtally/alertmanager.yml}"
out="${AM_CONFIG_OUT:-/tmp/alertmanager.yml}"
awk '{ i = index($0, "__ALERT_WEBHOOK_URL__"); if (i) $0 = substr($0, 1, i - 1) ENVIRON["ALERT_WEBHOOK_URL"] substr($0, i + 21); print }' "$in" > "$out"
exec "${AM_BINARY:-/bin/alertmanager}" --config.file="$out" "$@"
