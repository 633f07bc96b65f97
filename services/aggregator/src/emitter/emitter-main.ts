// The result emitter on a thread of its own (emitter/emitter-thread.ts starts it): its own event
// loop, Redis connection, producer and admin client, from the same settings and jobs file as the
// aggregator, so writing results runs beside the counting instead of taking turns with it. The
// aggregator tells it the group's assignment (who emits) and the jobs as they run; it tells the
// aggregator when each tick starts and ends, with the metrics the tick changed.
import { parentPort, workerData } from 'node:worker_threads';
import { createProducer, instrumentProducer, type KafkaClientEvent, ServiceTopics, topicSettingsOf } from '@streamtally/kafka-client';
import { Assignment } from '../consumer/assignment';
import { follow } from '../jobs/running-as';
import { startThreadBasics } from '../lifecycle/thread-start';
import { RedisState } from '../state/redis-state';
import { EmitSchedule } from './emit-schedule';
import { recordingSeries } from './emitter-series';
import type { EmitterThreadData, FromEmitter, ToEmitter } from './emitter-thread';
import { resultEmitter } from './emitter-wiring';

const port = parentPort!;
const tell = (message: FromEmitter) => port.postMessage(message);

async function run(data: EmitterThreadData): Promise<void> {
  const { config, logger, jobs, kafka, redis } = await startThreadBasics(data, 'emitter');
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  // its clients' requests and crashes, for the aggregator's metrics (client "aggregator-emitter")
  instrumentProducer(producer, (event: KafkaClientEvent) => tell({ type: 'kafka', event }));
  await producer.connect();
  const topics = new ServiceTopics(kafka, { timeoutMs: config.BROKER_TIMEOUT_MS, settings: topicSettingsOf(config), logger });
  await topics.prepare([], { offsets: true });
  const assignment = new Assignment();
  assignment.update(data.owned);
  const recorded = recordingSeries();
  const emitter = resultEmitter({
    config,
    jobs: jobs.all,
    logger,
    state: new RedisState(redis, config.STATE_NAMESPACE, config.CLOSED_WINDOW_TTL_SECONDS),
    series: recorded.series,
    topics: { offsetsOf: (topic) => topics.offsetsOf(topic), partitionsOf: (topic) => data.partitions[topic] ?? 1 },
    producer,
    assignment,
  });
  let lastError: string | null = null;
  const tick = async () => {
    tell({ type: 'tick', startedAt: Date.now() });
    try {
      await emitter.tick();
      lastError = null;
    } catch (err) {
      lastError = (err as Error).message;
      throw err; // the schedule logs it
    } finally {
      tell({ type: 'ticked', changes: recorded.take(), failing: emitter.failing(), lastError });
    }
  };
  const schedule = new EmitSchedule(tick, config.EMIT_TICK_MS, logger);
  port.on('message', (message: ToEmitter) => {
    if (message.type === 'jobs') return follow(jobs, message.running);
    if (message.type === 'assignment') return assignment.update(message.owned);
    void (async () => {
      await schedule.stop();
      await producer.disconnect().catch((err: unknown) => logger.warn({ err }, 'emitter producer disconnect failed'));
      await topics.close();
      redis.disconnect();
      tell({ type: 'closed' });
    })();
  });
  schedule.start();
  tell({ type: 'started' });
}

run(workerData as EmitterThreadData).catch((err: unknown) => tell({ type: 'failed', reason: (err as Error).message }));
