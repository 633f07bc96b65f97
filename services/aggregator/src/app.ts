import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  BatchConsumer,
  createKafkaClientMetrics,
  type KafkaClientMetrics,
  createProducer,
  instrumentProducer,
  recordClientEvents,
  type Kafka,
  type Producer,
  ServiceTopics,
  topicSettingsOf,
} from '@streamtally/kafka-client';
import type { HealthReport } from '@streamtally/observability';
import { groupNeeds, topicNeeds, type AggregatorConfig } from './config';
import { DESCRIPTIONS_KEY, encodeJobDescriptions, type JobProgress } from '@streamtally/contracts';
import { describeJobs } from './jobs/describe-jobs';
import { Job } from './jobs/job-schema';
import { createAggregatorMetrics, AggregatorMetrics, initialiseSeries, processorMetricsOf, progressMetricsOf } from './metrics';
import { RedisState } from './state/redis-state';
import { Assignment } from './consumer/assignment';
import { PartitionProcessor, type SideOutputs } from './consumer/partition-processor';
import { KafkaCommits } from './adapters/kafka-commits';
import { EmitSchedule } from './emitter/emit-schedule';
import { applySeries } from './emitter/emitter-series';
import { EmitterThread } from './emitter/emitter-thread';
import { resultEmitter } from './emitter/emitter-wiring';
import { type Emitting, emittingHere } from './emitter/emitting';
import { aggregatorHealth } from './aggregator-health';
import { runningOf } from './jobs/running-as';
import { kafkaSideOutputs } from './adapters/kafka-outputs';
import { JobRegistry } from './state/job-registry';
import { registerJobs } from './lifecycle/register-jobs';
import { upgradeLayouts } from './state/layout-upgrade';
import { RunningJobs } from './jobs/running-jobs';
import { type Backfill, createBackfill } from './lifecycle/backfill';
import { CheckpointBatcher } from './state/checkpoint-batcher';

export interface AggregatorDeps {
  config: AggregatorConfig;
  jobs: readonly Job[];
  logger: Logger;
  registry: Registry;
  kafka: Kafka;
  redis: Redis;
  /** the catch-up reader and the emitter on threads of their own (main.ts; absent: on this one) */
  threads?: AggregatorThreads;
}

/** The threads' scripts (each absent: on this thread), the jobs file as read and the settings `config` came from. */
export interface AggregatorThreads {
  catchUp?: string;
  emitter?: string;
  jobsText: string;
  settings: Record<string, string | undefined>;
}

export interface AggregatorApp {
  start(): Promise<void>;
  health(): HealthReport;
  /** stops intake, flushes, closes Kafka and Redis; safe to call twice */
  close(): Promise<void>;
}

/** The aggregator wired together: used by main.ts and by the tests, so both run the same thing. */
export function createAggregatorApp({ config, jobs: defined, logger, registry, kafka, redis, threads }: AggregatorDeps): AggregatorApp {
  const metrics = createAggregatorMetrics(registry);
  initialiseSeries(metrics, defined);
  const clientMetrics = createKafkaClientMetrics(registry);
  const state = new RedisState(redis, config.STATE_NAMESPACE, config.CLOSED_WINDOW_TTL_SECONDS);
  const jobRegistry = new JobRegistry(redis, config.STATE_NAMESPACE);
  const topics = new ServiceTopics(kafka, { timeoutMs: config.BROKER_TIMEOUT_MS, settings: topicSettingsOf(config), logger });
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  instrumentProducer(producer, recordClientEvents(clientMetrics, 'aggregator'));
  const consumer = inputConsumer(kafka, config, recordClientEvents(clientMetrics, 'aggregator'));
  const kafkaCommits = new KafkaCommits((offsets) => consumer.commitOffsets(offsets), config.KAFKA_COMMIT_INTERVAL_MS, logger.child({ component: 'commits' }));
  const sources = [...new Set(defined.map((j) => j.source))];
  const outputTopics = { results: config.RESULTS_TOPIC, lateEvents: config.LATE_EVENTS_TOPIC, deadLetter: config.DEAD_LETTER_TOPIC };
  const sideOutputs = kafkaSideOutputs(producer, outputTopics, topics);
  const assignment = new Assignment();
  // the rest runs the jobs as registered in Redis (their generations): wired at start
  let running: Running | undefined;
  let closing: Promise<void> | undefined;
  let positionCheck: NodeJS.Timeout | undefined;
  return {
    async start() {
      await topics.prepare(topicNeeds(config, defined), { offsets: true, groups: groupNeeds(config) });
      await producer.connect();
      const registered = await registerJobs(defined, {
        registry: jobRegistry,
        offsetsOf: (topic) => topics.settledOffsetsOf(topic),
        offsetsAt: (topic, ms) => topics.offsetsAt(topic, ms),
        logger,
        now: Date.now(),
      });
      await upgradeLayouts(redis, state.keys, registered);
      const jobs = new RunningJobs(registered);
      const describeNow = (progress?: ReadonlyMap<string, JobProgress>) => describe(producer, config.JOB_DESCRIPTIONS_TOPIC, jobs.all, progress);
      const { processor, emitting, backfill } = (running = wireJobs(
        { config, logger, kafka, state, jobRegistry, topics, producer, consumer, kafkaCommits, sideOutputs, assignment, metrics, clientMetrics, threads },
        jobs,
        describeNow,
      ));
      await describeNow(await backfill.start());
      await emitting.start();
      await consumer.start({
        topics: sources,
        fromBeginning: true,
        concurrency: config.PARTITIONS_CONCURRENCY,
        autoResolve: false,
        eachBatch: (batch) => processor.process(batch),
      });
      positionCheck = checkPositions(processor, consumer, config.POSITION_CHECK_INTERVAL_MS, logger);
      const names = jobs.all.map((j) => (j.generation > 1 ? `${j.name} (generation ${j.generation})` : j.name));
      logger.info({ jobs: names, sources, namespace: config.STATE_NAMESPACE }, 'aggregator started');
    },
    health: () => aggregatorHealth({ consumer, running, redis }, config.STALL_TIMEOUT_MS),
    close() {
      clearInterval(positionCheck);
      closing ??= closeInOrder({ running, kafkaCommits, consumer, producer, topics, redis }, logger);
      return closing;
    },
  };
}

interface WiringParts {
  config: AggregatorConfig;
  logger: Logger;
  kafka: Kafka;
  state: RedisState;
  jobRegistry: JobRegistry;
  topics: ServiceTopics;
  producer: Producer;
  consumer: BatchConsumer;
  kafkaCommits: KafkaCommits;
  sideOutputs: SideOutputs;
  assignment: Assignment;
  metrics: AggregatorMetrics;
  clientMetrics: KafkaClientMetrics;
  threads?: AggregatorThreads | undefined;
}

/** What runs the jobs as registered (their generations): the live reader's processor, the emitter and its schedule, the backfill. */
function wireJobs(parts: WiringParts, jobs: RunningJobs, describeNow: (progress?: ReadonlyMap<string, JobProgress>) => Promise<void>): Running {
  const { config, logger, kafka, state, jobRegistry, topics, consumer, kafkaCommits, sideOutputs, assignment, metrics, clientMetrics, threads } = parts;

  const checkpoints = new CheckpointBatcher((requests) => state.checkpointAll(requests));
  const processor = new PartitionProcessor({
    state,
    checkpoint: (request) => checkpoints.checkpoint(request),
    jobsByTopic: jobs.byTopic,
    sideOutputs,
    startOffsetOf: async (topic, partition) => (await topics.offsetsOf(topic)).find((o) => o.partition === partition)?.start ?? '0',
    commitToKafka: (topic, partition, offset) => kafkaCommits.offer({ topic, partition, offset }),
    metrics: processorMetricsOf(metrics),
    logger: logger.child({ component: 'processor' }),
  });
  const emitting = emitterOf(parts, jobs);
  jobs.onChange(() => emitting.jobsChanged(runningOf(jobs.all)));
  consumer.onAssignment((owned) => {
    assignment.update(owned);
    emitting.assigned(owned);
    processor.resetOwnership();
    logger.info({ assignment: owned }, 'partitions assigned');
  });
  const backfill = createBackfill({
    kafka,
    config,
    jobs,
    state,
    registry: jobRegistry,
    sideOutputs,
    partitionsOf: (topic) => topics.partitionsOf(topic),
    // the emitter of the first job's source speaks for all: one instance writes descriptions
    // an instance with an outdated jobs file does not speak for the jobs (describe them, remove replaced state)
    speaksForJobs: () => jobs.outdated.size === 0 && jobs.all.length > 0 && assignment.isEmitterFor(jobs.all[0]!.source),
    describe: describeNow,
    metrics: { ...progressMetricsOf(metrics), counted: (job, n) => metrics.backfillEvents.inc({ aggregation: job }, n) },
    // the catch-up reader's Kafka clients, on whichever thread it runs
    clientEvents: recordClientEvents(clientMetrics, 'aggregator-catch-up'),
    ...(threads?.catchUp ? { thread: { script: threads.catchUp, jobsText: threads.jobsText, settings: threads.settings } } : {}),
    logger,
  });
  return { processor, emitting, backfill, jobs };
}

/** The result emitter and its schedule: on a thread of their own (main.ts), or on this one. */
function emitterOf(parts: WiringParts, jobs: RunningJobs): Emitting {
  const { config, logger, metrics, threads } = parts;
  if (threads?.emitter) {
    const { jobsText, settings } = threads;
    const partitions = { [config.RESULTS_TOPIC]: parts.topics.partitionsOf(config.RESULTS_TOPIC) };
    return new EmitterThread(
      threads.emitter,
      { jobsText, settings, running: runningOf(jobs.all), partitions },
      { series: (changes) => applySeries(metrics, changes), clientEvent: recordClientEvents(parts.clientMetrics, 'aggregator-emitter'), logger },
    );
  }
  const emitter = resultEmitter({ ...parts, jobs: jobs.all, series: metrics });
  return emittingHere(emitter, new EmitSchedule(async () => void (await emitter.tick()), config.EMIT_TICK_MS, logger));
}

/** What the jobs are (and how far they have counted), for whoever draws their results: one record, the latest set wins. */
async function describe(producer: Producer, topic: string, jobs: readonly Job[], progress?: ReadonlyMap<string, JobProgress>): Promise<void> {
  const value = encodeJobDescriptions(describeJobs(jobs, Date.now(), progress));
  await producer.send({ topic, acks: -1, messages: [{ key: DESCRIPTIONS_KEY, value }] });
}

/** Compares the partitions' offsets with Redis every `intervalMs` (see PartitionProcessor.resync). */
function checkPositions(processor: PartitionProcessor, consumer: BatchConsumer, intervalMs: number, logger: Logger): NodeJS.Timeout {
  return setInterval(() => {
    processor
      .resync((topic, partition, offset) => consumer.seek(topic, partition, offset))
      .catch((err: unknown) => {
        logger.debug({ err }, 'comparing offsets with Redis failed; next time'); // Redis away: the batches say so
      });
  }, intervalMs);
}

/** What runs the registered jobs, once started. */
interface Running {
  processor: PartitionProcessor;
  emitting: Emitting;
  backfill: Backfill;
  jobs: RunningJobs;
}

interface Closable {
  running: Running | undefined;
  kafkaCommits: KafkaCommits;
  consumer: BatchConsumer;
  producer: Producer;
  topics: ServiceTopics;
  redis: Redis;
}

/**
 * Stops intake first (no new tick, the last offsets to Kafka, leave the group), lets the last
 * emit finish, then closes what it wrote with: the producer, the admin, Redis.
 */
async function closeInOrder({ running, kafkaCommits, consumer, producer, topics, redis }: Closable, logger: Logger): Promise<void> {
  const lastTick = running?.emitting.stop();
  await running?.backfill.close().catch((err: unknown) => logger.warn({ err }, 'catch-up reader disconnect failed'));
  logger.debug('closing: last offsets to Kafka, then the consumer');
  await kafkaCommits.flush();
  await consumer.close().catch((err: unknown) => logger.warn({ err }, 'consumer disconnect failed'));
  logger.debug('closing: the checkpoints still being applied');
  await running?.processor.settle();
  logger.debug('closing: last emit');
  await lastTick;
  logger.debug('closing: producer');
  await producer.disconnect().catch((err: unknown) => logger.warn({ err }, 'producer disconnect failed'));
  await topics.close();
  logger.debug('closing: redis');
  redis.disconnect();
  logger.info('closed');
}

/**
 * How many partitions' worth one fetch may hold. Its batches are counted at once
 * (PARTITIONS_CONCURRENCY) and checkpointed in one call (state/checkpoint-batcher.ts): in a
 * catch-up every partition's batch spans the same stretch of event time, so the more of them
 * a call takes, the fewer times each window is read and written (docs/benchmarks.md, session 16).
 */
const PARTITIONS_PER_FETCH = 8;

/** The consumer of the jobs' sources, with the fetch settings of the config. */
function inputConsumer(kafka: Kafka, config: AggregatorConfig, metrics: ConstructorParameters<typeof BatchConsumer>[1]['metrics']): BatchConsumer {
  return new BatchConsumer(kafka, {
    groupId: config.CONSUMER_GROUP,
    sessionTimeoutMs: config.SESSION_TIMEOUT_MS,
    maxBytesPerPartition: config.FETCH_MAX_BYTES_PER_PARTITION,
    maxBytes: config.FETCH_MAX_BYTES_PER_PARTITION * PARTITIONS_PER_FETCH,
    minBytes: config.FETCH_MIN_BYTES,
    maxWaitMs: config.FETCH_MAX_WAIT_MS,
    ...(metrics ? { metrics } : {}),
  });
}
