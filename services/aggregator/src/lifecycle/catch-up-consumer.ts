import type { Logger } from 'pino';
import { BatchConsumer, type Kafka } from '@streamtally/kafka-client';
import { catchUpGroupOf, type AggregatorConfig } from '../config';
import type { CatchUpReader } from '../consumer/catch-up-reader';

/** The catch-up reader's consumer, reading `topics` (see CATCH_UP_FETCH_MAX_BYTES). */
export async function startCatchUpConsumer(
  deps: { kafka: Kafka; config: AggregatorConfig; consumerMetrics?: ConstructorParameters<typeof BatchConsumer>[1]['metrics']; logger: Logger },
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
    ...(deps.consumerMetrics ? { metrics: deps.consumerMetrics } : {}),
  });
  consumer.onAssignment(() => reader.resetAssignment());
  await consumer.start({ topics, fromBeginning: true, concurrency: config.CATCH_UP_CONCURRENCY, autoResolve: false, eachBatch: (b) => reader.process(b) });
  deps.logger.info({ topics, group }, 'catch-up reader started: jobs behind the live read count their source');
  return consumer;
}
