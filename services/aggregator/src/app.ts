import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  type Admin,
  ConsumerLiveness,
  createKafkaClientMetrics,
  createProducer,
  instrumentConsumer,
  instrumentProducer,
  type Kafka,
  openAdmin,
  type PreparedTopics,
  prepareTopics,
  topicSettingsOf,
} from '@streamtally/kafka-client';
import type { HealthReport } from '@streamtally/observability';
import { minReplicasOf, topicNeeds, type AggregatorConfig } from './config';
import { Job } from './jobs/job-schema';
import { createAggregatorMetrics, AggregatorMetrics, emitterMetricsOf, initialiseSeries, processorMetricsOf } from './metrics';
import { RedisState } from './state/redis-state';
import { PartitionProcessor } from './consumer/partition-processor';
import { KafkaCommits } from './adapters/kafka-commits';
import { ResultEmitter, ResultsWait } from './emitter/result-emitter';
import { kafkaResultPublisher, kafkaSideOutputs } from './adapters/kafka-outputs';

export interface AggregatorDeps {
  config: AggregatorConfig;
  jobs: readonly Job[];
  logger: Logger;
  registry: Registry;
  kafka: Kafka;
  redis: Redis;
}

export interface AggregatorApp {
  metrics: AggregatorMetrics;
  state: RedisState;
  start(): Promise<void>;
  health(): HealthReport;
  /** stops intake, flushes, closes Kafka and Redis; safe to call twice */
  close(): Promise<void>;
}

export function createAggregatorApp({ config, jobs, logger, registry, kafka, redis }: AggregatorDeps): AggregatorApp {
  const metrics = createAggregatorMetrics(registry);
  initialiseSeries(metrics, jobs);
  const clientMetrics = createKafkaClientMetrics(registry);
  const state = new RedisState(redis, config.STATE_NAMESPACE, config.CLOSED_WINDOW_TTL_SECONDS);
  const minReplicas = minReplicasOf(config);
  /** the topics as start-up found them: where each output key goes */
  let prepared: PreparedTopics | undefined;
  const partitionsOf = (topic: string): number => {
    if (!prepared) throw new Error(`no partition count for ${topic}: the aggregator has not started`);
    return prepared.partitionsOf(topic);
  };
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({
    groupId: config.CONSUMER_GROUP,
    sessionTimeout: config.SESSION_TIMEOUT_MS,
    heartbeatInterval: Math.floor(config.SESSION_TIMEOUT_MS / 5),
    maxBytesPerPartition: config.FETCH_MAX_BYTES_PER_PARTITION,
    maxBytes: config.FETCH_MAX_BYTES_PER_PARTITION * 4,
    minBytes: config.FETCH_MIN_BYTES,
    maxWaitTimeInMs: config.FETCH_MAX_WAIT_MS,
  });
  /** connected at start(); topic offsets for new partitions and for the emitter */
  let admin: Admin | undefined;
  const connectedAdmin = (): Admin => {
    if (!admin) throw new Error('the aggregator has not started');
    return admin;
  };
  instrumentConsumer(consumer, clientMetrics, 'aggregator');
  instrumentProducer(producer, clientMetrics, 'aggregator');

  const sources = [...new Set(jobs.map((j) => j.source))];
  const jobsByTopic = new Map(sources.map((topic) => [topic, jobs.filter((j) => j.source === topic)]));
  let assignment = new Map<string, Set<number>>();
  const kafkaCommits = new KafkaCommits((offsets) => consumer.commitOffsets(offsets), config.KAFKA_COMMIT_INTERVAL_MS, logger.child({ component: 'commits' }));
  const liveness = new ConsumerLiveness(consumer);
  let emitTimer: NodeJS.Timeout | undefined;
  let emitting: Promise<unknown> = Promise.resolve();
  let lastEmitError: string | undefined;

  const processor = new PartitionProcessor({
    state,
    jobsByTopic,
    sideOutputs: kafkaSideOutputs(
      producer,
      { results: config.RESULTS_TOPIC, lateEvents: config.LATE_EVENTS_TOPIC, deadLetter: config.DEAD_LETTER_TOPIC },
      partitionsOf,
    ),
    startOffsetOf: async (topic, partition) => {
      const offsets = await connectedAdmin().fetchTopicOffsets(topic);
      return offsets.find((o) => o.partition === partition)?.low ?? '0';
    },
    commitToKafka: (topic, partition, offset) => kafkaCommits.offer({ topic, partition, offset }),
    metrics: processorMetricsOf(metrics),
    logger: logger.child({ component: 'processor' }),
  });

  const emitter = new ResultEmitter({
    state,
    jobs,
    topicOffsets: async (topic) =>
      (await connectedAdmin().fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, startOffset: Number(o.low), endOffset: Number(o.high) })),
    publish: kafkaResultPublisher(producer, config.RESULTS_TOPIC, partitionsOf),
    isEmitterFor: (topic) => assignment.get(topic)?.has(0) ?? false,
    ...(minReplicas > 0
      ? {
          stateReplicated: async () => {
            const acknowledged = await state.awaitReplicas(minReplicas, config.REDIS_REPLICA_TIMEOUT_MS);
            metrics.stateReplicas.set(acknowledged);
            if (acknowledged < minReplicas) {
              throw new ResultsWait(
                `the state is on ${acknowledged} Redis replica(s) after ${config.REDIS_REPLICA_TIMEOUT_MS} ms, REDIS_MIN_REPLICAS is ${minReplicas}: results wait`,
              );
            }
          },
        }
      : {}),
    idleTimeoutMs: config.IDLE_TIMEOUT_MS,
    metrics: emitterMetricsOf(metrics),
    logger: logger.child({ component: 'emitter' }),
  });

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const next = new Map<string, Set<number>>();
    for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) next.set(topic, new Set(partitions));
    assignment = next;
    processor.resetOwnership();
    logger.info({ assignment: event.payload.memberAssignment }, 'partitions assigned');
  });

  let closing: Promise<void> | undefined;
  return {
    metrics,
    state,
    async start() {
      admin = await openAdmin(kafka, config.BROKER_TIMEOUT_MS);
      prepared = await prepareTopics(admin, topicNeeds(config, jobs), topicSettingsOf(config), logger);
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: sources, fromBeginning: true });
      liveness.started();
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: config.PARTITIONS_CONCURRENCY,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, pause }) => {
          await processor.process({
            topic: batch.topic,
            partition: batch.partition,
            messages: batch.messages,
            highWatermark: batch.highWatermark,
            resolveOffset,
            heartbeat,
            isRunning,
            isStale,
            seek: (offset) => consumer.seek({ topic: batch.topic, partition: batch.partition, offset }),
            pause: () => {
              pause();
            },
          });
        },
      });
      emitTimer = setInterval(() => {
        emitting = emitting.then(() =>
          emitter.tick().then(
            () => (lastEmitError = undefined),
            (err) => {
              lastEmitError = (err as Error).message;
              logger.warn({ err }, 'emitting results failed; retrying on the next tick');
            },
          ),
        );
      }, config.EMIT_TICK_MS);
      logger.info({ jobs: jobs.map((j) => j.name), sources, namespace: config.STATE_NAMESPACE }, 'aggregator started');
    },
    health() {
      const stalled = processor.stalledPartitions(config.STALL_TIMEOUT_MS);
      const redisReady = redis.status === 'ready';
      const failingJobs = emitter.failingFor(config.STALL_TIMEOUT_MS);
      return {
        healthy: liveness.running && stalled.length === 0 && redisReady && failingJobs.length === 0,
        details: {
          running: liveness.running,
          ...liveness.describe(),
          redis: redis.status,
          ownedPartitions: processor.ownedCount,
          stalledPartitions: stalled,
          failingJobs,
          lastEmitError: lastEmitError ?? null,
        },
      };
    },
    close() {
      closing ??= (async () => {
        liveness.stopped();
        if (emitTimer) clearInterval(emitTimer);
        logger.debug('closing: last offsets to Kafka, then the consumer');
        await kafkaCommits.flush();
        await consumer.disconnect().catch((err) => logger.warn({ err }, 'consumer disconnect failed'));
        logger.debug('closing: last emit');
        await emitting;
        logger.debug('closing: producer');
        await producer.disconnect().catch((err) => logger.warn({ err }, 'producer disconnect failed'));
        await admin?.disconnect().catch(() => undefined);
        logger.debug('closing: redis');
        redis.disconnect();
        logger.info('closed');
      })();
      return closing;
    },
  };
}
