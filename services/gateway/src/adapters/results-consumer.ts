import { BatchConsumer, type Kafka, offsetsWhenReady, type PartitionBatch, type PartitionOffsets } from '@streamtally/kafka-client';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { decodeWindowResult, WindowResult } from '@streamtally/contracts';

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
  const consumer = new BatchConsumer(kafka, { groupId: `${groupPrefix}-${randomUUID()}`, maxWaitMs, throwawayGroup: true });
  const progress = new CatchUp(topic, logger);
  // kafkajs hands over one partition's batch at a time; the batches of one fetch are
  // gathered until the event loop turns, so a client gets them in one frame
  let gathered: WindowResult[] = [];
  const handOver = () => {
    const results = gathered;
    gathered = [];
    onResults(results);
  };
  const read = async (batch: PartitionBatch) => {
    for (const message of batch.messages) {
      const decoded = decodeWindowResult(message.value);
      if (decoded.ok) {
        if (gathered.length === 0) setImmediate(handOver);
        gathered.push(decoded.value);
      } else logger.warn({ partition: batch.partition, offset: message.offset, reason: decoded.error }, 'skipping a malformed result');
    }
    progress.reached(batch.partition, Number(batch.lastOffset()) + 1);
  };

  return {
    get caughtUp() {
      return progress.caughtUp;
    },
    get running() {
      return consumer.liveness.running;
    },
    async start() {
      const offsets = await offsetsWhenReady(kafka, topic, {
        withinMs: startTimeoutMs,
        onRetry: (err, retryInMs) => logger.info({ err: { message: (err as Error).message }, retryInMs }, 'results topic not ready yet; retrying'),
      });
      progress.target(offsets);
      await consumer.start({ topics: [topic], fromBeginning: true, eachBatch: read });
    },
    close: () => consumer.close(),
  };
}

/** Whether everything that was in the topic at start has been read. */
class CatchUp {
  private targets = new Map<number, number>();
  private readonly offsets = new Map<number, number>();
  caughtUp = false;

  constructor(
    private readonly topic: string,
    private readonly logger: Logger,
  ) {}

  target(offsets: readonly PartitionOffsets[]): void {
    this.targets = new Map(offsets.map((o) => [o.partition, Number(o.end)]));
    this.check();
  }

  reached(partition: number, next: number): void {
    this.offsets.set(partition, next);
    this.check();
  }

  private check(): void {
    if (this.caughtUp) return;
    this.caughtUp = [...this.targets].every(([partition, end]) => (this.offsets.get(partition) ?? 0) >= end);
    if (this.caughtUp) this.logger.info({ topic: this.topic }, 'results history read; caught up');
  }
}
