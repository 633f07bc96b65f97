import { Kafka, logLevel, LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { plaintextConnection, type KafkaConnection } from './connection/connection';

/** Where and how to reach Kafka: a connection from the settings, or brokers alone (plaintext). */
export type KafkaSettings = { clientId: string; logger: Logger } & ({ connection: KafkaConnection } | { brokers: string[] });

const CONNECTIONS = new WeakMap<Kafka, KafkaConnection>();

/** The connection a client was made with: what its errors are explained against. */
export function connectionOf(kafka: Kafka): KafkaConnection {
  const connection = CONNECTIONS.get(kafka);
  if (!connection) throw new Error('this Kafka client was not made by createKafka');
  return connection;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs warnings that do not apply to how streamtally uses it, logged at debug instead.
 * Limited retries: after kafkajs gives up, our senders send the same messages again on the
 * same producer (on a cluster, only the partitions not acknowledged, one request each), so
 * sequence numbers are reused and the broker drops what it already has (the broker-outage
 * and cluster tests show every row exactly once).
 */
const KNOWN_HARMLESS = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's error table is not in its types
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { message: string; retriable: boolean }[] };

/**
 * A consumer group changing members (another instance starting, scaling, a restart): the
 * broker answers heartbeats and commits with these, and kafkajs rejoins the group by itself.
 * Every scale-up logged them as errors.
 */
const GROUP_MEMBERSHIP_CHANGES = new Set([
  'The group is rebalancing, so a rejoin is needed',
  'The coordinator is not aware of this member',
  'Specified group generation id is not valid',
]);

/** Broker errors kafkajs retries by itself (a coordinator still loading, a leader election). */
const RETRIABLE_BROKER_ERRORS = new Set(errorCodes.filter((e) => e.retriable).map((e) => e.message));

/**
 * The pino level for a kafkajs log entry. kafkajs logs every failed response at error level,
 * also the retriable ones it then retries (a broker that has just started answers "the
 * coordinator is loading"): those are warnings; if the retries run out, the caller's own
 * error is logged as one.
 */
export function pinoLevelOf(entry: Pick<LogEntry, 'level' | 'log'>): 'error' | 'warn' | 'info' | 'debug' {
  if (KNOWN_HARMLESS.has(entry.log.message)) return 'debug';
  const level = LEVELS[entry.level] ?? 'info';
  const error = (entry.log as { error?: unknown }).error;
  if (level === 'error' && typeof error === 'string' && RETRIABLE_BROKER_ERRORS.has(error)) return 'warn';
  // the producer's retries name the broker's error in the message itself (a leader moving
  // while a topic just created settles, seen on a compose start)
  const sendFailure = /^Failed to send messages: (.*)$/.exec(entry.log.message);
  if (level === 'error' && sendFailure && RETRIABLE_BROKER_ERRORS.has(sendFailure[1]!)) return 'warn';
  // a broker that is not up yet, or restarting: kafkajs retries, and the caller reports
  // the one clear error if it never comes (BROKER_TIMEOUT_MS)
  if (level === 'error' && CONNECTION_RETRIES.test(entry.log.message)) return 'warn';
  if (level === 'error' && typeof error === 'string' && GROUP_MEMBERSHIP_CHANGES.has(error)) return 'info';
  // a topic another service created first: ensureTopics finds it and goes on. Several topics
  // in one request answer "Topic creation errors" (seen on every compose start, the producer
  // and the aggregator creating their topics side by side); a creation that fails for good is
  // reported by ensureTopics with the topics and the broker's reason
  if (level === 'error' && (error === 'Topic with this name already exists' || error === 'Topic creation errors')) return 'info';
  // a consumer crash kafkajs restarts from by itself (it restarts after exhausted retries of
  // retriable errors); a crash it does not restart from stays an error
  if (level === 'error' && /^(Crash: KafkaJSNumberOfRetriesExceeded|Restarting the consumer in )/.test(entry.log.message)) return 'warn';
  // kafkajs restarts as well from a broker error it calls retriable that reached the runner
  // directly (a fresh broker's "coordinator is loading" on the first join, seen on a compose start)
  const crash = /^Crash: KafkaJSProtocolError: (.*)$/.exec(entry.log.message);
  if (level === 'error' && crash && RETRIABLE_BROKER_ERRORS.has(crash[1]!)) return 'warn';
  return level;
}

const CONNECTION_RETRIES = /^(Connection error|Connection timeout|Failed to connect to seed broker)/;

/**
 * A kafkajs client whose own logs go through pino as JSON, under component "kafkajs", with
 * the connection's TLS and SASL.
 */
export function createKafka(settings: KafkaSettings): Kafka {
  const { clientId, logger } = settings;
  const connection = 'connection' in settings ? settings.connection : plaintextConnection(settings.brokers);
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  const kafka = new Kafka({
    clientId,
    brokers: connection.brokers,
    ...(connection.tls ? { ssl: connection.tls } : {}),
    ...(connection.sasl ? { sasl: connection.sasl } : {}),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      const level = pinoLevelOf(entry);
      // a stack trace says nothing about a retried, expected state: only errors keep theirs
      if (level !== 'error') delete (extra as { stack?: unknown }).stack;
      kafkaLogger[level]({ namespace: entry.namespace, ...extra }, message);
    },
  });
  CONNECTIONS.set(kafka, connection);
  return kafka;
}

/** Says at start how the service reaches Kafka (no secret), and warns of what weakens it. */
export function announceConnection(logger: Logger, connection: KafkaConnection): void {
  logger.info({ kafka: { brokers: connection.brokers, ...connection.described } }, 'Kafka connection');
  for (const warning of connection.warnings) logger.warn(warning);
}
