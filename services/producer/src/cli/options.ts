/**
 * Every producer setting, once: its environment variable (what compose sets), its command
 * line flag, and its help line. The schema in config.ts validates the merged values.
 */
export interface OptionSpec {
  env: string;
  flag: string;
  /** a flag that takes no value (sets the variable to "true") */
  boolean?: boolean;
  help: string;
}

export const OPTIONS: readonly OptionSpec[] = [
  { env: 'KAFKA_BROKERS', flag: 'brokers', help: 'Kafka bootstrap servers, comma-separated host:port (required)' },
  { env: 'KAFKA_CLIENT_ID', flag: 'client-id', help: 'Kafka client id (default streamtally-producer)' },
  { env: 'KAFKA_SECURITY_PROTOCOL', flag: 'security-protocol', help: 'PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (default PLAINTEXT)' },
  { env: 'KAFKA_SASL_MECHANISM', flag: 'sasl-mechanism', help: 'PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER (with SASL_*)' },
  { env: 'KAFKA_SASL_USERNAME', flag: 'sasl-username', help: 'SASL user (the password only from KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE)' },
  { env: 'KAFKA_SASL_OAUTHBEARER_TOKEN_FILE', flag: 'sasl-oauthbearer-token-file', help: 'OAUTHBEARER: file holding the token, read at every authentication' },
  { env: 'KAFKA_SSL_CA_FILE', flag: 'ssl-ca-file', help: "PEM CA certificate(s) to trust for the brokers' certificates (default: the system's)" },
  { env: 'KAFKA_SSL_CERT_FILE', flag: 'ssl-cert-file', help: 'mutual TLS: PEM client certificate' },
  { env: 'KAFKA_SSL_KEY_FILE', flag: 'ssl-key-file', help: 'mutual TLS: PEM private key (its passphrase only from KAFKA_SSL_KEY_PASSWORD[_FILE])' },
  { env: 'KAFKA_SSL_ENDPOINT_IDENTIFICATION', flag: 'ssl-endpoint-identification', help: "https (check the broker's host name, default) or none" },
  {
    env: 'KAFKA_SSL_CERTIFICATE_VERIFICATION',
    flag: 'ssl-certificate-verification',
    help: 'false trusts any broker certificate (test clusters only; default true)',
  },
  { env: 'BROKER_TIMEOUT_MS', flag: 'broker-timeout', help: 'fail when no broker answers within this many ms (default 30000)' },
  { env: 'INPUT_FILE', flag: 'file', help: "file to replay (default data/user_log.sample.csv; with --source-file, that source's CSV or JSON)" },
  {
    env: 'SOURCE_FILE',
    flag: 'source-file',
    help: "a declared json source (the jobs file, or a file of one source): replay INPUT_FILE as that source's events",
  },
  { env: 'SOURCE_NAME', flag: 'source', help: 'which source of SOURCE_FILE, when it declares several' },
  { env: 'INPUT_FORMAT', flag: 'format', help: 'with --source-file: csv, json (JSON Lines or one array) or auto (by the extension) (default auto)' },
  { env: 'KEY_FIELD', flag: 'key-field', help: 'with --source-file: the declared field whose value keys each record (default: none, spread evenly)' },
  { env: 'INPUT_TOPIC', flag: 'topic', help: "topic for events (default user-actions; with --source-file, the source's topic)" },
  { env: 'DEAD_LETTER_TOPIC', flag: 'dlq-topic', help: "topic for bad rows (default user-actions.dlq; with --source-file, the source's topic + .dlq)" },
  { env: 'TOPICS_CREATE', flag: 'topics-create', help: 'false: create no topic, only check that they exist as needed (provisioned topics) (default true)' },
  { env: 'TOPIC_PARTITIONS', flag: 'partitions', help: 'partitions for topics this command creates (default 6)' },
  { env: 'TOPIC_MIN_PARTITIONS', flag: 'min-partitions', help: 'with --topics-create false: the fewest partitions each topic must have (default 1)' },
  { env: 'TOPIC_REPLICATION_FACTOR', flag: 'replication-factor', help: 'copies of each partition it creates (default: 1 on one broker, 3 on three or more)' },
  { env: 'TOPIC_MIN_INSYNC_REPLICAS', flag: 'min-insync-replicas', help: 'copies a write needs before it counts (default: 1, or 2 with three copies)' },
  {
    env: 'PACE',
    flag: 'pace',
    help: "fixed (RATE events/s), max (as fast as possible) or dates (the data's own dates or declared time, SPEEDUP times faster) (default fixed)",
  },
  { env: 'RATE', flag: 'rate', help: "events per second with --pace fixed (default 10, the original's pace)" },
  { env: 'SPEEDUP', flag: 'speedup', help: 'with --pace dates: how much faster than real time (default 86400: a data day per second)' },
  { env: 'DATA_YEAR', flag: 'year', help: "the year the data's month/day belong to (default 2015)" },
  { env: 'LOOP', flag: 'loop', boolean: true, help: 'replay the file forever' },
  { env: 'LIMIT', flag: 'limit', help: 'stop after this many events' },
  { env: 'MAX_REFUSED_FRACTION', flag: 'max-refused', help: 'a pass refusing this share of its rows stops the replay (exit 3)' },
  { env: 'MAX_ROW_BYTES', flag: 'max-row-bytes', help: 'longest row in bytes; longer rows are dead letters (default 4096)' },
  { env: 'MAX_FIELD_BYTES', flag: 'max-field-bytes', help: 'longest province in bytes; longer ones are dead letters (default 256)' },
  { env: 'BATCH_SIZE', flag: 'batch-size', help: 'messages per Kafka request at most (default 2000)' },
  { env: 'BATCH_BYTES', flag: 'batch-bytes', help: 'bytes per Kafka request at most (default 1048576)' },
  { env: 'SHUTDOWN_GRACE_MS', flag: 'shutdown-grace', help: 'on SIGTERM, how long to keep retrying unsent rows (default 30000)' },
  { env: 'TEXT_TOPIC', flag: 'text-topic', help: 'lines: topic for text lines (default text-lines)' },
  { env: 'TEXT_DEAD_LETTER_TOPIC', flag: 'text-dlq-topic', help: 'lines: topic for bad lines (default text-lines.dlq)' },
  { env: 'LINES_FROM', flag: 'from', help: 'lines: tcp or stdin (default tcp)' },
  { env: 'LISTEN_HOST', flag: 'listen-host', help: 'lines: address to accept TCP connections on (default 127.0.0.1; 0.0.0.0: every interface)' },
  { env: 'LISTEN_MAX_CONNECTIONS', flag: 'listen-max-connections', help: 'lines: TCP connections at once; more are told so and closed (default 64)' },
  { env: 'LISTEN_PORT', flag: 'listen-port', help: 'lines: TCP port, like nc -lk 9999 (default 9999)' },
  { env: 'METRICS_HOST', flag: 'metrics-host', help: 'address for /metrics and /healthz (default 0.0.0.0)' },
  { env: 'METRICS_PORT', flag: 'metrics-port', help: 'port for /metrics and /healthz; 0 turns them off (default 9464)' },
  { env: 'LOG_LEVEL', flag: 'log-level', help: 'fatal, error, warn, info, debug or trace (default info)' },
  { env: 'PROGRESS', flag: 'progress', help: 'auto (a bar when stdout is a terminal), on or off (default auto)' },
];

export const FLAG_OF: ReadonlyMap<string, string> = new Map(OPTIONS.map((o) => [o.env, o.flag]));
