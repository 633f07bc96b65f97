import { z } from 'zod';
import { DEFAULT_TOPICS } from '@streamtally/contracts';
import { FLAG_OF } from './cli/options';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const positive = z.coerce.number().positive().finite();
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, . _ -)');

/** The producer's settings, keyed by environment variable. */
export const producerConfigSchema = z.object({
  KAFKA_BROKERS: z
    .string({ error: 'is required (comma-separated host:port)' })
    .min(1, 'is required (comma-separated host:port)')
    .transform((value) => value.split(',').map((b) => b.trim()).filter(Boolean))
    .refine((brokers) => brokers.length > 0 && brokers.every((b) => /^[^:\s]+:\d{1,5}$/.test(b)), 'expected host:port[,host:port...]'),
  KAFKA_CLIENT_ID: z.string().min(1).default('streamtally-producer'),
  BROKER_TIMEOUT_MS: integer(100, 600_000).default(30_000),
  INPUT_FILE: z.string().min(1).default('data/user_log.sample.csv'),
  INPUT_TOPIC: topicName.default(DEFAULT_TOPICS.userActions),
  DEAD_LETTER_TOPIC: topicName.default(DEFAULT_TOPICS.userActionsDeadLetter),
  TOPIC_PARTITIONS: integer(1, 1000).default(6),
  PACE: z.enum(['fixed', 'max', 'dates']).default('fixed'),
  RATE: positive.default(10),
  SPEEDUP: positive.default(86_400),
  DATA_YEAR: integer(1970, 2100).default(2015),
  LOOP: flag.default(false),
  LIMIT: integer(1, Number.MAX_SAFE_INTEGER).optional(),
  BATCH_SIZE: integer(1, 100_000).default(5000),
  BATCH_BYTES: integer(1024, 64 * 1024 * 1024).default(1024 * 1024),
  SHUTDOWN_GRACE_MS: integer(0, 600_000).default(30_000),
  TEXT_TOPIC: topicName.default(DEFAULT_TOPICS.textLines),
  TEXT_DEAD_LETTER_TOPIC: topicName.default(DEFAULT_TOPICS.textLinesDeadLetter),
  LINES_FROM: z.enum(['tcp', 'stdin']).default('tcp'),
  LISTEN_HOST: z.string().min(1).default('0.0.0.0'),
  LISTEN_PORT: integer(0, 65_535).default(9999),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  METRICS_PORT: integer(0, 65_535).default(9464),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PROGRESS: z.enum(['auto', 'on', 'off']).default('auto'),
});

export type ProducerConfig = z.infer<typeof producerConfigSchema>;

export type ConfigResult = { ok: true; config: ProducerConfig } | { ok: false; errors: string[] };

/**
 * Validates the settings once, at start. Each error names the variable, its flag and the
 * value given, e.g. `RATE (--rate): Too small: expected number to be >0 (got "0")`.
 */
export function parseProducerConfig(values: Record<string, string | undefined>): ConfigResult {
  const known = Object.fromEntries(
    Object.keys(producerConfigSchema.shape)
      .filter((key) => values[key] !== undefined && values[key] !== '')
      .map((key) => [key, values[key]]),
  );
  const parsed = producerConfigSchema.safeParse(known);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const given = values[name];
      const where = FLAG_OF.has(name) ? `${name} (--${FLAG_OF.get(name)})` : name;
      return `${where}: ${issue.message}${given !== undefined ? ` (got "${given}")` : ''}`;
    }),
  };
}
