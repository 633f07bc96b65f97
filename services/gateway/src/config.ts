import { z } from 'zod';
import { DEFAULT_TOPICS } from '@streamtally/contracts';
import { checkKafkaConnection, kafkaConnectionShape } from '@streamtally/kafka-client';
import { parseSettings, setting, SettingsResult } from '@streamtally/service-config';
import type { HubLimits } from './domain/hub';

/** The gateway's settings, keyed by environment variable. */
export const gatewayConfigSchema = z
  .object({
    ...kafkaConnectionShape,
    KAFKA_CLIENT_ID: z.string().min(1).default('streamtally-gateway'),
    RESULTS_TOPIC: setting.topic().default(DEFAULT_TOPICS.windowResults),
    /** what the jobs are (the aggregator writes it): the page builds its panels from it */
    JOB_DESCRIPTIONS_TOPIC: setting.topic().default(DEFAULT_TOPICS.jobDescriptions),
    /** true: wait for the aggregator to create the results topic; false: it must exist already (provisioned) */
    TOPICS_CREATE: setting.flag().default(true),
    /** each instance reads every result with its own group: `${prefix}-${random}` */
    CONSUMER_GROUP_PREFIX: z.string().min(1).default('streamtally-gateway'),
    HISTORY_PER_JOB: setting.integer(1, 10_000).default(120),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: setting.integer(0, 65_535).default(8080),
    /** /metrics (and a copy of /healthz) on a port of their own: never on the public PORT (0: any free port) */
    METRICS_PORT: setting.integer(0, 65_535).default(9466),
    METRICS_HOST: z.string().min(1).default('0.0.0.0'),
    /** origins besides the page's own that may open /ws and call /api, comma-separated; * for any (unset: the page's own only) */
    ALLOWED_ORIGINS: setting.origins().optional(),
    /** the host names browsers reach the gateway by (the Host header; DNS rebinding); * for any */
    ALLOWED_HOSTS: setting.hosts().default(['localhost', '127.0.0.1', '::1']),
    /**
     * when set, /ws and /api need one of these tokens (comma-separated, so a new one can be
     * added before the old one is removed), as `Authorization: Bearer` or through a session
     * cookie the page gets for it; a secret (AUTH_TOKEN_FILE)
     */
    AUTH_TOKEN: setting.tokens(32).optional(),
    /** how long a browser's session cookie lasts */
    SESSION_TTL_SECONDS: setting.integer(60, 30 * 86_400).default(12 * 3600),
    MAX_CONNECTIONS: setting.integer(1, 1_000_000).default(10_000),
    MAX_MESSAGE_BYTES: setting.integer(64, 1024 * 1024).default(4096),
    SOFT_BUFFER_BYTES: setting.integer(1024, 1024 * 1024 * 1024).default(256 * 1024),
    HARD_BUFFER_BYTES: setting.integer(2048, 1024 * 1024 * 1024).default(4 * 1024 * 1024),
    PING_INTERVAL_MS: setting.integer(100, 600_000).default(15_000),
    MAX_PROTOCOL_ERRORS: setting.integer(1, 1000).default(5),
    MAX_SUBSCRIPTIONS: setting.integer(1, 10_000).default(50),
    MAX_MESSAGES_PER_SECOND: setting.integer(1, 10_000).default(20),
    FETCH_MAX_WAIT_MS: setting.integer(10, 10_000).default(100),
    BROKER_TIMEOUT_MS: setting.integer(100, 600_000).default(30_000),
    /**
     * on shutdown, how long /readyz answers 503 before the sockets close: behind a load
     * balancer, long enough for it to see that and stop sending new clients (its probe
     * interval times its failure threshold); 0 without one
     */
    DRAIN_DELAY_MS: setting.integer(0, 120_000).default(0),
    LOG_LEVEL: setting.logLevel(),
  })
  .superRefine(checkKafkaConnection)
  .refine((c) => c.HARD_BUFFER_BYTES > c.SOFT_BUFFER_BYTES, {
    path: ['HARD_BUFFER_BYTES'],
    message: 'must be larger than SOFT_BUFFER_BYTES',
  })
  .refine((c) => c.METRICS_PORT === 0 || c.METRICS_PORT !== c.PORT, {
    path: ['METRICS_PORT'],
    message: 'must differ from PORT: /metrics is never served on the public port',
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** The per-client limits the hub enforces, from the settings. */
export function hubLimitsOf(config: GatewayConfig): HubLimits {
  return {
    softBufferBytes: config.SOFT_BUFFER_BYTES,
    hardBufferBytes: config.HARD_BUFFER_BYTES,
    maxProtocolErrors: config.MAX_PROTOCOL_ERRORS,
    maxSubscriptions: config.MAX_SUBSCRIPTIONS,
    maxMessagesPerSecond: config.MAX_MESSAGES_PER_SECOND,
  };
}

export function parseGatewayConfig(values: Record<string, string | undefined>): SettingsResult<GatewayConfig> {
  return parseSettings(gatewayConfigSchema as unknown as z.ZodObject, values) as SettingsResult<GatewayConfig>;
}
