import { z } from 'zod';
import { DEFAULT_TOPICS } from '@streamtally/contracts';
import { checkKafkaConnection, kafkaConnectionShape, topicSettingsShape } from '@streamtally/kafka-client';
import { parseSettings, setting, SettingsResult } from '@streamtally/service-config';
import { FLAG_OF } from './cli/options';

const integer = setting.integer;
const positive = setting.positive();
const flag = setting.flag();
const topicName = setting.topic();

/** The producer's settings, keyed by environment variable. */
export const producerConfigSchema = z
  .object({
    ...kafkaConnectionShape,
    KAFKA_CLIENT_ID: z.string().min(1).default('streamtally-producer'),
    BROKER_TIMEOUT_MS: integer(100, 600_000).default(30_000),
    INPUT_FILE: z.string().min(1).default('data/user_log.sample.csv'),
    /** a declared source (a jobs file, or a file of one source): INPUT_FILE is then that source's CSV or JSON */
    SOURCE_FILE: z.string().min(1).optional(),
    /** which source of SOURCE_FILE, when it declares more than one json source */
    SOURCE_NAME: z.string().min(1).optional(),
    /** a declared source's file: csv, json (JSON Lines or one array), or auto (by its extension) */
    INPUT_FORMAT: z.enum(['auto', 'csv', 'json']).default('auto'),
    /** a declared source: the field whose value keys each record */
    KEY_FIELD: z.string().min(1).optional(),
    INPUT_TOPIC: topicName.default(DEFAULT_TOPICS.userActions),
    DEAD_LETTER_TOPIC: topicName.default(DEFAULT_TOPICS.userActionsDeadLetter),
    ...topicSettingsShape,
    PACE: z.enum(['fixed', 'max', 'dates']).default('fixed'),
    RATE: positive.default(10),
    SPEEDUP: positive.default(86_400),
    DATA_YEAR: integer(1970, 2100).default(2015),
    LOOP: flag.default(false),
    LIMIT: integer(1, Number.MAX_SAFE_INTEGER).optional(),
    /** a pass refusing this share of its rows (checked after 1,000 rows and at its end) stops the replay, exit status 3 */
    MAX_REFUSED_FRACTION: z.coerce.number().gt(0, 'expected a fraction above 0').max(1, 'expected a fraction of at most 1').default(0.9),
    MAX_ROW_BYTES: integer(64, 1024 * 1024).default(4096),
    MAX_FIELD_BYTES: integer(1, 64 * 1024).default(256),
    BATCH_SIZE: integer(1, 100_000).default(2000),
    BATCH_BYTES: integer(1024, 64 * 1024 * 1024).default(1024 * 1024),
    SHUTDOWN_GRACE_MS: integer(0, 600_000).default(30_000),
    TEXT_TOPIC: topicName.default(DEFAULT_TOPICS.textLines),
    TEXT_DEAD_LETTER_TOPIC: topicName.default(DEFAULT_TOPICS.textLinesDeadLetter),
    LINES_FROM: z.enum(['tcp', 'stdin']).default('tcp'),
    /** loopback by default: text sent from elsewhere must be asked for (0.0.0.0) */
    LISTEN_HOST: z.string().min(1).default('127.0.0.1'),
    LISTEN_MAX_CONNECTIONS: integer(1, 100_000).default(64),
    LISTEN_PORT: integer(0, 65_535).default(9999),
    METRICS_HOST: z.string().min(1).default('0.0.0.0'),
    METRICS_PORT: integer(0, 65_535).default(9464),
    LOG_LEVEL: setting.logLevel(),
    PROGRESS: z.enum(['auto', 'on', 'off']).default('auto'),
    /**
     * `tail` ends when its standard input (a pipe) closes. Under `docker compose run` that is
     * the only sign that the reader went away: `… tail | head` breaks the pipe of the docker
     * client, never the container's, and the tail ran on for ever. Compose sets it; off by
     * default, so a script whose stdin is closed from the start can still tail.
     */
    TAIL_ENDS_WITH_STDIN: flag.default(false),
  })
  .superRefine(checkKafkaConnection)
  .superRefine((c, ctx) => {
    // one topic for both would feed dead letters to the aggregator as if they were events
    for (const [data, dead] of [
      ['INPUT_TOPIC', 'DEAD_LETTER_TOPIC'],
      ['TEXT_TOPIC', 'TEXT_DEAD_LETTER_TOPIC'],
    ] as const) {
      if (c[data] === c[dead]) ctx.addIssue({ code: 'custom', path: [dead], message: `must differ from ${data} ("${c[data]}")` });
    }
  });

export type ProducerConfig = z.infer<typeof producerConfigSchema>;

export type ConfigResult = SettingsResult<ProducerConfig>;

/** Validates the settings once, at start; each error names the variable, its flag and the value. */
export function parseProducerConfig(values: Record<string, string | undefined>): ConfigResult {
  return parseSettings(producerConfigSchema, values, FLAG_OF);
}
