import { Kafka, logLevel, LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** how long to wait for a broker to answer a connection, ms */
  connectionTimeoutMs?: number;
  /** initial retry backoff, ms; kafkajs doubles it up to maxRetryTimeMs */
  retry?: { initialRetryTime?: number; maxRetryTime?: number; retries?: number };
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through pino as JSON, under component "kafkajs". */
export function createKafka({ brokers, clientId, logger, connectionTimeoutMs = 3000, retry }: KafkaSettings): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: connectionTimeoutMs,
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 8, ...retry },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      kafkaLogger[LEVELS[entry.level] ?? 'info']({ namespace: entry.namespace, ...extra }, message);
    },
  });
}
