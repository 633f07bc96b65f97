import type { Logger } from 'pino';
import { BatchConsumer, type Kafka, type KafkaClientEventSink } from '@streamtally/kafka-client';
import { catchUpGroupOf, type AggregatorConfig } from '../config';
import { CatchUpReader, type CatchUpReaderDeps } from '../consumer/catch-up-reader';
import { CheckpointBatcher } from '../state/checkpoint-batcher';

/** The catch-up reader's consumer, reading `topics` (see CATCH_UP_FETCH_MAX_BYTES). */
export async function startCatchUpConsumer(
  deps: { kafka: Kafka; config: AggregatorConfig; clientEvents?: KafkaClientEventSink; logger: Logger },
  reader: CatchUpReader,
  topics: string[],
): Promise<BatchConsumer> {
  const { config } = deps;
  const group = catchUpGroupOf(config);
  const consumer = new BatchConsumer(deps.kafka, {
    groupId: group,
    sessionTimeoutMs: config.SESSION_TIMEOUT_MS,
    maxBytesPerPartition: config.CATCH_UP_FETCH_MAX_BYTES,
    maxBytes: config.CATCH_UP_FETCH_MAX_BYTES * 4,
    ...(deps.clientEvents ? { metrics: deps.clientEvents } : {}),
  });
  consumer.onAssignment(() => reader.resetAssignment());
  await consumer.start({ topics, fromBeginning: true, concurrency: config.CATCH_UP_CONCURRENCY, autoResolve: false, eachBatch: (b) => reader.process(b) });
  deps.logger.info({ topics, group }, 'catch-up reader started: jobs behind the live read count their source');
  return consumer;
}

/**
 * The catch-up reader, on whichever thread: its partitions' bites counted at once go in one
 * checkpoint call, as the live reader's do (never mixed with the live reader's).
 */
export function batchedCatchUpReader(deps: Omit<CatchUpReaderDeps, 'checkpoint'>): CatchUpReader {
  const checkpoints = new CheckpointBatcher((requests) => deps.state.checkpointAll(requests));
  return new CatchUpReader({ ...deps, checkpoint: (request) => checkpoints.checkpoint(request) });
}
