import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TOPICS } from '@streamtally/contracts';
import { checkKafkaConnection, type GroupNeed, kafkaConnectionShape, type TopicNeed, topicSettingsShape } from '@streamtally/kafka-client';
import { parseSettings, setting, SettingsResult } from '@streamtally/service-config';
import { redisSettingsProblems } from './adapters/redis-target';

/** The jobs file shipped with the service. */
export const BUNDLED_JOBS_FILE = path.resolve(__dirname, '../jobs.json');

/** The aggregator's settings, keyed by environment variable. */
export const aggregatorConfigSchema = z
  .object({
    ...kafkaConnectionShape,
    /** a single Redis (or, with REDIS_SENTINELS, only the database number after the host) */
    REDIS_URL: setting.redisUrl().optional(),
    /** comma-separated Sentinel host:port list: the primary is found (and followed through failovers) by name */
    REDIS_SENTINELS: setting.brokers().optional(),
    REDIS_MASTER_NAME: z.string().min(1).default('streamtally'),
    /** an ACL user and its password (a secret: REDIS_PASSWORD_FILE), instead of in REDIS_URL */
    REDIS_USERNAME: z.string().min(1).optional(),
    REDIS_PASSWORD: z.string().min(1).optional(),
    /** TLS to the data nodes; on by itself with rediss:// */
    REDIS_TLS: setting.flag().optional(),
    /** PEM CA certificate(s) to trust instead of the system's store */
    REDIS_TLS_CA_FILE: z.string().min(1).optional(),
    /** mutual TLS: this client's PEM certificate and key (and the key's passphrase, a secret) */
    REDIS_TLS_CERT_FILE: z.string().min(1).optional(),
    REDIS_TLS_KEY_FILE: z.string().min(1).optional(),
    REDIS_TLS_KEY_PASSWORD: z.string().min(1).optional(),
    /** the Sentinels' own ACL user and password (a secret), and TLS to them (default: as REDIS_TLS) */
    REDIS_SENTINEL_USERNAME: z.string().min(1).optional(),
    REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
    REDIS_SENTINEL_TLS: setting.flag().optional(),
    /**
     * Redis replicas that must have the state before any result computed from it is written
     * (WAIT): a failover to a replica can then never take back a result. Default 1 with
     * REDIS_SENTINELS, else 0 (a single Redis has no replica to wait for).
     */
    REDIS_MIN_REPLICAS: setting.integer(0, 10).optional(),
    REDIS_REPLICA_TIMEOUT_MS: setting.integer(10, 60_000).default(1000),
    /**
     * a Redis connection with a reply due that hears nothing for this long is dropped and made
     * again (through the Sentinels: to the primary of the moment); a hung server otherwise
     * holds every command forever. Above REDIS_REPLICA_TIMEOUT_MS (WAIT is silent that long)
     * and above the longest checkpoint script
     */
    REDIS_SOCKET_TIMEOUT_MS: setting.integer(1000, 600_000).default(15_000),
    KAFKA_CLIENT_ID: z.string().min(1).default('streamtally-aggregator'),
    CONSUMER_GROUP: z.string().min(1).default('streamtally-aggregator'),
    /** prefix of every Redis key: two pipelines sharing a Redis keep apart by it */
    STATE_NAMESPACE: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected letters, digits, _ or -')
      .default('v1'),
    JOBS_FILE: z.string().min(1).default(BUNDLED_JOBS_FILE),
    /** a JSON array of jobs; when set it replaces JOBS_FILE */
    JOBS: z.string().optional(),
    RESULTS_TOPIC: setting.topic().default(DEFAULT_TOPICS.windowResults),
    LATE_EVENTS_TOPIC: setting.topic().default(DEFAULT_TOPICS.lateEvents),
    DEAD_LETTER_TOPIC: setting.topic().default(DEFAULT_TOPICS.aggregatorDeadLetter),
    /** where the jobs are described for readers of the results (the gateway's page) */
    JOB_DESCRIPTIONS_TOPIC: setting.topic().default(DEFAULT_TOPICS.jobDescriptions),
    /** for the topics the aggregator needs, its job sources included */
    ...topicSettingsShape,
    IDLE_TIMEOUT_MS: setting.integer(100, 3_600_000).default(5000),
    /** provisional results per emit of a job: the newest open windows; older ones get only their final */
    MAX_PROVISIONAL_WINDOWS: setting.integer(1, 100_000).default(100),
    /** windows a step of a job's emit closes at most, the oldest (their finals written); while more are due the emit takes up to four steps, then the job emits again at the next tick */
    MAX_FINALS_PER_EMIT: setting.integer(1, 1_000_000).default(5000),
    // a job emits on the first tick at least emitEveryMs after its last: a coarse tick stretches
    // every interval to the next multiple of the tick
    EMIT_TICK_MS: setting.integer(10, 60_000).default(25),
    STALL_TIMEOUT_MS: setting.integer(1000, 3_600_000).default(30_000),
    /**
     * how often each owned partition's offset is compared with Redis's: a Redis failover can
     * take back the last checkpoints, and a partition with no new record would otherwise never
     * be counted again from there
     */
    POSITION_CHECK_INTERVAL_MS: setting.integer(100, 600_000).default(5000),
    /** how often each job's progress is looked at: a backfilling job's log line, metrics and description, and the end of a backfill */
    PROGRESS_INTERVAL_MS: setting.integer(100, 600_000).default(5000),
    /**
     * the catch-up reader's fetch per partition, and how many partitions it counts at once.
     * On the aggregator's own thread it took smaller bites than the live reader, to keep the
     * live jobs' latency; on its own thread the live reader's size leaves that latency as it
     * was, and is what the same job alone reads with (docs/benchmarks.md, session 22)
     */
    CATCH_UP_FETCH_MAX_BYTES: setting.integer(16 * 1024, 64 * 1024 * 1024).default(768 * 1024),
    CATCH_UP_CONCURRENCY: setting.integer(1, 64).default(6),
    SESSION_TIMEOUT_MS: setting.integer(6000, 300_000).default(10_000),
    // as many as a fetch holds (PARTITIONS_PER_FETCH in app.ts): their checkpoints go in one call
    PARTITIONS_CONCURRENCY: setting.integer(1, 64).default(8),
    /**
     * A fetch returns once FETCH_MIN_BYTES have arrived or FETCH_MAX_WAIT_MS have passed. Each
     * fetch costs a checkpoint per partition (a Redis script and a read): with the broker's
     * default of 1 byte, a trickle of input means a checkpoint per few events (figures in
     * docs/benchmarks.md, "Choices in the code"). The wait bounds the delay it adds.
     */
    FETCH_MIN_BYTES: setting.integer(1, 16 * 1024 * 1024).default(1024 * 1024),
    FETCH_MAX_WAIT_MS: setting.integer(10, 10_000).default(50),
    // large enough for a fast catch-up, small enough for a steady peak RSS (docs/benchmarks.md, "Choices in the code")
    FETCH_MAX_BYTES_PER_PARTITION: setting.integer(64 * 1024, 64 * 1024 * 1024).default(768 * 1024),
    CLOSED_WINDOW_TTL_SECONDS: setting.integer(1, 30 * 86_400).default(86_400),
    KAFKA_COMMIT_INTERVAL_MS: setting.integer(100, 600_000).default(5000),
    BROKER_TIMEOUT_MS: setting.integer(100, 600_000).default(30_000),
    METRICS_HOST: z.string().min(1).default('0.0.0.0'),
    METRICS_PORT: setting.integer(0, 65_535).default(9465),
    LOG_LEVEL: setting.logLevel(),
  })
  .superRefine(checkKafkaConnection)
  .superRefine((c, ctx) => {
    for (const { variable, message } of redisSettingsProblems(c)) ctx.addIssue({ code: 'custom', path: [variable], message });
  });

export type AggregatorConfig = z.infer<typeof aggregatorConfigSchema>;

export function parseAggregatorConfig(values: Record<string, string | undefined>): SettingsResult<AggregatorConfig> {
  const parsed = parseSettings(aggregatorConfigSchema, values);
  if (parsed.ok && parsed.config.REDIS_URL === undefined && parsed.config.REDIS_SENTINELS === undefined) {
    return { ok: false, errors: ['REDIS_URL: is required, e.g. redis://redis:6379 (or REDIS_SENTINELS for Redis behind Sentinel)'] };
  }
  return parsed;
}

/** How many replicas must hold the state before results from it are written. */
export function minReplicasOf(config: AggregatorConfig): number {
  return config.REDIS_MIN_REPLICAS ?? (config.REDIS_SENTINELS ? 1 : 0);
}

/**
 * Topics that must stay apart: the four the aggregator writes, and the job sources it reads
 * (writing results into a source would count them as events). Each problem names the variable.
 */
export function topicConflicts(config: AggregatorConfig, sources: readonly string[]): string[] {
  const outputs = [
    ['RESULTS_TOPIC', config.RESULTS_TOPIC],
    ['LATE_EVENTS_TOPIC', config.LATE_EVENTS_TOPIC],
    ['DEAD_LETTER_TOPIC', config.DEAD_LETTER_TOPIC],
    ['JOB_DESCRIPTIONS_TOPIC', config.JOB_DESCRIPTIONS_TOPIC],
  ] as const;
  const problems: string[] = [];
  outputs.forEach(([name, topic], i) => {
    for (const [other, otherTopic] of outputs.slice(i + 1)) if (topic === otherTopic) problems.push(`${other}: must differ from ${name} ("${topic}")`);
    if (sources.includes(topic)) problems.push(`${name}: "${topic}" is also a job's source topic`);
  });
  return problems;
}

/** Every topic the aggregator reads or writes, with the setting that names it. */
export function topicNeeds(config: AggregatorConfig, jobs: readonly { name: string; source: string }[]): TopicNeed[] {
  const sources = [...new Set(jobs.map((j) => j.source))];
  return [
    ...sources.map((topic): TopicNeed => ({
      topic,
      setting: `source of job ${jobs
        .filter((j) => j.source === topic)
        .map((j) => `"${j.name}"`)
        .join(', ')}`,
      cleanup: 'delete',
    })),
    { topic: config.RESULTS_TOPIC, setting: 'RESULTS_TOPIC', cleanup: 'compact' },
    { topic: config.LATE_EVENTS_TOPIC, setting: 'LATE_EVENTS_TOPIC', cleanup: 'delete' },
    { topic: config.DEAD_LETTER_TOPIC, setting: 'DEAD_LETTER_TOPIC', cleanup: 'delete' },
    { topic: config.JOB_DESCRIPTIONS_TOPIC, setting: 'JOB_DESCRIPTIONS_TOPIC', cleanup: 'compact' },
  ];
}

/** The consumer group of the catch-up reader (jobs added or changed on a running pipeline). */
export const catchUpGroupOf = (config: Pick<AggregatorConfig, 'CONSUMER_GROUP'>): string => `${config.CONSUMER_GROUP}.catch-up`;

/** Every consumer group the aggregator joins, with the setting that names it. */
export function groupNeeds(config: AggregatorConfig): GroupNeed[] {
  return [
    { group: config.CONSUMER_GROUP, setting: 'CONSUMER_GROUP' },
    { group: catchUpGroupOf(config), setting: 'the catch-up reader\'s group, CONSUMER_GROUP + ".catch-up"' },
  ];
}
