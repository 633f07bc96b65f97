import type { Logger } from 'pino';
import type { JobPosition, Ownership } from '../state/redis-state';
import type { InputMessage } from '../windowing/batch-aggregator';
import type { ProcessorMetrics } from './processor-metrics';
import type { BatchContext } from './side-outputs-once';

/** A partition this instance counts, as last read from Redis or moved here. */
export interface Owned extends Ownership {
  /** where each job (by state name) is on the partition, as last read or moved here */
  positions: Map<string, JobPosition>;
  sought: boolean;
  lastProgressAt: number;
  lag: number;
}

/**
 * Where a batch is counted from: the partition as Redis has it, or as the batch before it
 * will leave it once its checkpoint is applied (a batch counted ahead, see PartitionProcessor).
 */
export interface CountBasis {
  own: Owned;
  offset: string;
  maxTs: number;
  positions: Map<string, JobPosition>;
}

/** The basis of a batch counted now: the partition as it is. */
export const basisOf = (own: Owned): CountBasis => ({ own, offset: own.offset, maxTs: own.maxTs, positions: own.positions });

/** Whether the partition is still where `basis` said (the batch before applied, nothing taken afresh). */
export const stillAt = (basis: CountBasis, own: Owned | undefined): boolean =>
  own === basis.own && own.offset === basis.offset && own.maxTs === basis.maxTs && own.positions === basis.positions;

/** `topic:partition` back into its parts (Kafka topic names hold no colon). */
export function partitionOf(id: string): { topic: string; partition: number } {
  return { topic: id.slice(0, id.lastIndexOf(':')), partition: Number(id.slice(id.lastIndexOf(':') + 1)) };
}

export const partitionId = (batch: { topic: string; partition: number }): string => `${batch.topic}:${batch.partition}`;

/**
 * The batch's records from Redis's offset on; undefined when there are none to count here:
 * all counted before (seek to Redis's offset), Kafka started past it (seek back, once), or
 * Redis counted past the end of the log (pause: see below).
 */
export function recordsToCount(
  batch: BatchContext,
  own: Owned,
  deps: { logger: Logger; metrics: ProcessorMetrics; commitToKafka(topic: string, partition: number, offset: string): void },
): InputMessage[] | undefined {
  const { logger } = deps;
  const expected = Number(own.offset);
  const messages = batch.messages.filter((m) => Number(m.offset) >= expected);
  if (messages.length === 0) {
    if (expected > Number(batch.highWatermark)) {
      // Redis has counted past the end of the log: the topic was deleted and created
      // again under the same STATE_NAMESPACE. Seeking there would only bring kafkajs
      // back to the start, batch after batch; counting from the start would count into
      // the old topic's state. Say so, and leave the partition alone.
      logger.error(
        { topic: batch.topic, partition: batch.partition, countedUpTo: own.offset, logEnd: batch.highWatermark },
        'Redis has counted this partition past the end of its log (topic recreated?); not consuming it: clear the old state or use a new STATE_NAMESPACE',
      );
      deps.metrics.checkpointFailed('past_log_end');
      own.lag = Math.max(own.lag, 1); // reported as stalled once STALL_TIMEOUT_MS passes
      batch.pause();
      return undefined;
    }
    // all counted before (Kafka's committed offset lags Redis): jump to Redis's offset, and
    // tell Kafka too: a partition taken over after a crash, with nothing new to read, was
    // otherwise never committed again and Kafka's tools showed its lag for ever
    batch.seek(own.offset);
    deps.commitToKafka(batch.topic, batch.partition, own.offset);
    return undefined;
  }
  if (Number(messages[0]!.offset) > expected) {
    if (!own.sought) {
      // Kafka started past what Redis has counted: go back to Redis's offset
      own.sought = true;
      batch.seek(own.offset);
      return undefined;
    }
    logger.warn(
      { topic: batch.topic, partition: batch.partition, expected, first: messages[0]!.offset },
      'offsets missing from the log (retention or compaction); continuing after the gap',
    );
  }
  return messages;
}
