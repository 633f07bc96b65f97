import { ConsumerLiveness, type Kafka } from '@streamtally/kafka-client';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { decodeWindowResult, WindowResult } from '@streamtally/contracts';
import { retry } from '@streamtally/observability';

export interface ResultsConsumerOptions {
  kafka: Kafka;
  /** how long start() keeps retrying while a new topic gets its leaders */
  startTimeoutMs?: number;
  topic: string;
  groupPrefix: string;
  maxWaitMs: number;
  logger: Logger;
  /** the results of one read from the topic (every partition's batch of one fetch) */
  onResults(results: WindowResult[]): void;
}

export interface ResultsConsumer {
  start(): Promise<void>;
  /** true once everything that was in the topic at start has been read */
  readonly caughtUp: boolean;
  readonly running: boolean;
  close(): Promise<void>;
}

/**
 * Reads every result with a group of its own (each gateway instance sees everything),
 * from the beginning of the compacted topic, so the history fills at start. Malformed
 * records are logged and skipped: the gateway only reads, the aggregator owns the topic.
 */
export function createResultsConsumer({
  kafka,
  topic,
  groupPrefix,
  maxWaitMs,
  logger,
  onResults,
  startTimeoutMs = 30_000,
}: ResultsConsumerOptions): ResultsConsumer {
  const groupId = `${groupPrefix}-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: maxWaitMs });
  const admin = kafka.admin();
  let targets = new Map<number, number>();
  const reached = new Map<number, number>();
  let caughtUp = false;
  const liveness = new ConsumerLiveness(consumer);
  // kafkajs hands over one partition's batch at a time; the batches of one fetch are
  // gathered until the event loop turns, so a client gets them in one frame
  let gathered: WindowResult[] = [];
  const handOver = () => {
    const results = gathered;
    gathered = [];
    onResults(results);
  };

  const checkCaughtUp = () => {
    if (caughtUp) return;
    caughtUp = [...targets].every(([partition, end]) => (reached.get(partition) ?? 0) >= end);
    if (caughtUp) logger.info({ topic }, 'results history read; caught up');
  };

  let closing: Promise<void> | undefined;
  /** connected at some point: only then is there a group to delete (asking a broker that never answered would wait out kafkajs's retries) */
  let connected = false;
  return {
    get caughtUp() {
      return caughtUp;
    },
    get running() {
      return liveness.running;
    },
    async start() {
      await admin.connect();
      connected = true;
      // retried while the broker still settles a topic created a moment ago (no leader yet,
      // coordinator loading): at `docker compose up` every service starts at once
      const offsets = await retry(() => admin.fetchTopicOffsets(topic), {
        initialMs: 100,
        maxMs: 2000,
        withinMs: startTimeoutMs,
        onFailure: (err, _attempt, retryInMs) => logger.info({ err: { message: (err as Error).message }, retryInMs }, 'results topic not ready yet; retrying'),
      });
      targets = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
      checkCaughtUp();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const decoded = decodeWindowResult(message.value);
            if (decoded.ok) {
              if (gathered.length === 0) setImmediate(handOver);
              gathered.push(decoded.value);
            } else logger.warn({ partition: batch.partition, offset: message.offset, reason: decoded.error }, 'skipping a malformed result');
          }
          reached.set(batch.partition, Number(batch.lastOffset()) + 1);
          checkCaughtUp();
        },
      });
      liveness.started();
    },
    close() {
      closing ??= (async () => {
        liveness.stopped();
        if (!connected) return;
        await consumer.disconnect().catch(() => undefined);
        await admin.deleteGroups([groupId]).catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
      })();
      return closing;
    },
  };
}
