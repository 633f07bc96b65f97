// The catch-up reader on a thread of its own (lifecycle/catch-up-thread.ts starts it): its own
// event loop, Kafka consumer, producer for side outputs and Redis connection, from the same
// settings and jobs file as the aggregator, so a backfill neither waits behind the live jobs'
// work nor holds it up. It tells the aggregator what it counted and when it is ready or has
// failed; the aggregator tells it when jobs move to a new generation, and when to stop.
import { parentPort, workerData } from 'node:worker_threads';
import { createProducer, instrumentProducer, type KafkaClientEvent } from '@streamtally/kafka-client';
import { kafkaSideOutputs } from '../adapters/kafka-outputs';
import { follow } from '../jobs/running-as';
import { RedisState } from '../state/redis-state';
import { type CatchUpThreadData, type FromThread, type ToThread } from './catch-up-thread';
import { batchedCatchUpReader, startCatchUpConsumer } from './catch-up-consumer';
import { startThreadBasics } from './thread-start';

const port = parentPort!;
const tell = (message: FromThread) => port.postMessage(message);

async function run(data: CatchUpThreadData): Promise<void> {
  const { config, logger, jobs, kafka, redis } = await startThreadBasics(data, 'catch-up');
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  // its clients' requests, joins and crashes, for the aggregator's metrics (client "aggregator-catch-up")
  const clientEvents = (event: KafkaClientEvent) => tell({ type: 'kafka', event });
  instrumentProducer(producer, clientEvents);
  await producer.connect();
  const outputs = { results: config.RESULTS_TOPIC, lateEvents: config.LATE_EVENTS_TOPIC, deadLetter: config.DEAD_LETTER_TOPIC };
  const sideOutputs = kafkaSideOutputs(producer, outputs, { partitionsOf: (topic) => data.partitions[topic] ?? 1 });
  const state = new RedisState(redis, config.STATE_NAMESPACE, config.CLOSED_WINDOW_TTL_SECONDS);
  const reader = batchedCatchUpReader({
    state,
    jobsByTopic: jobs.byTopic,
    sideOutputs,
    counted: (job, events) => tell({ type: 'counted', job, events }),
    logger,
  });
  const consumer = await startCatchUpConsumer({ kafka, config, logger, clientEvents }, reader, data.topics);
  port.on('message', (message: ToThread) => {
    if (message.type === 'jobs') return follow(jobs, message.running);
    void (async () => {
      await consumer.close();
      await producer.disconnect();
      redis.disconnect();
      tell({ type: 'closed' });
    })();
  });
  tell({ type: 'started' });
}

run(workerData as CatchUpThreadData).catch((err: unknown) => tell({ type: 'failed', reason: (err as Error).message }));
