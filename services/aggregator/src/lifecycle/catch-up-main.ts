// The catch-up reader on a thread of its own (lifecycle/catch-up-thread.ts starts it): its own
// event loop, Kafka consumer, producer for side outputs and Redis connection, from the same
// settings and jobs file as the aggregator, so a backfill neither waits behind the live jobs'
// work nor holds it up. It tells the aggregator what it counted and when it is ready or has
// failed; the aggregator tells it when jobs move to a new generation, and when to stop.
import { parentPort, workerData } from 'node:worker_threads';
import { createKafka, createProducer, instrumentProducer, type KafkaClientEvent, kafkaConnectionOf } from '@streamtally/kafka-client';
import { createLogger } from '@streamtally/observability';
import { kafkaSideOutputs } from '../adapters/kafka-outputs';
import { connectRedis } from '../adapters/redis-connection';
import { redisTargetOf } from '../adapters/redis-target';
import { parseAggregatorConfig } from '../config';
import { parseJobs } from '../jobs/jobs-file';
import { RunningJobs } from '../jobs/running-jobs';
import { RedisState } from '../state/redis-state';
import { type CatchUpThreadData, type FromThread, type ToThread, runningAs } from './catch-up-thread';
import { batchedCatchUpReader, startCatchUpConsumer } from './catch-up-consumer';

const port = parentPort!;
const tell = (message: FromThread) => port.postMessage(message);

async function run(data: CatchUpThreadData): Promise<void> {
  const parsed = parseAggregatorConfig(data.settings);
  const connection = parsed.ok ? kafkaConnectionOf(parsed.config) : undefined;
  const target = parsed.ok ? redisTargetOf(parsed.config) : undefined;
  const jobsFile = parseJobs(JSON.parse(data.jobsText));
  if (!parsed.ok || !connection?.ok || !target?.ok || !jobsFile.ok) throw new Error('the settings or jobs file the aggregator started with no longer parse');
  const config = parsed.config;
  const logger = createLogger({ service: 'aggregator', level: config.LOG_LEVEL }).child({ component: 'catch-up' });
  const jobs = new RunningJobs(runningAs(jobsFile.jobs, data.running));
  const kafka = createKafka({ connection: connection.connection, clientId: `${config.KAFKA_CLIENT_ID}-catch-up`, logger });
  const redis = await connectRedis(target.target, config.BROKER_TIMEOUT_MS, logger);
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
    if (message.type === 'jobs') {
      for (const job of message.running) jobs.advance(job.name, job.generation);
      for (const job of [...jobs.all]) if (!message.running.some((r) => r.name === job.name)) jobs.stop(job.name);
      return;
    }
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
