import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { decodeJobDescriptions, type JobDescriptions } from '@streamtally/contracts';
import { BatchConsumer, type Kafka, type PartitionBatch } from '@streamtally/kafka-client';

export interface DescriptionsConsumerOptions {
  kafka: Kafka;
  topic: string;
  groupPrefix: string;
  maxWaitMs: number;
  logger: Logger;
  /** each job-descriptions record, in the topic's order: the last one read is the current set */
  onDescriptions(descriptions: JobDescriptions): void;
}

export interface DescriptionsConsumer {
  start(): Promise<void>;
  readonly running: boolean;
  close(): Promise<void>;
}

/**
 * Reads the job descriptions the aggregator writes (a compacted topic of one key), from the
 * beginning, with a group of its own. A record it cannot read is logged and skipped: the
 * page keeps the jobs it had.
 */
export function createDescriptionsConsumer({
  kafka,
  topic,
  groupPrefix,
  maxWaitMs,
  logger,
  onDescriptions,
}: DescriptionsConsumerOptions): DescriptionsConsumer {
  const consumer = new BatchConsumer(kafka, { groupId: `${groupPrefix}-jobs-${randomUUID()}`, maxWaitMs, throwawayGroup: true });
  const read = async (batch: PartitionBatch) => {
    for (const message of batch.messages) {
      if (message.value === null) continue; // a tombstone: nothing to describe
      const decoded = decodeJobDescriptions(message.value);
      if (decoded.ok) {
        logger.info({ jobs: decoded.value.jobs.map((j) => j.name) }, 'jobs described');
        onDescriptions(decoded.value);
      } else logger.warn({ partition: batch.partition, offset: message.offset, reason: decoded.error }, 'skipping a job description it cannot read');
    }
  };
  return {
    get running() {
      return consumer.liveness.running;
    },
    start: () => consumer.start({ topics: [topic], fromBeginning: true, eachBatch: read }),
    close: () => consumer.close(),
  };
}
