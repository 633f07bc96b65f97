import type { Logger } from 'pino';
import type { JobProgress } from '@streamtally/contracts';
import { BatchConsumer, type Kafka } from '@streamtally/kafka-client';
import type { AggregatorConfig } from '../config';
import { CatchUpReader } from '../consumer/catch-up-reader';
import type { SideOutputs } from '../consumer/partition-processor';
import type { Job } from '../jobs/job-schema';
import type { JobRegistry } from '../state/job-registry';
import type { RedisState } from '../state/redis-state';
import { ProgressMonitor } from './progress-monitor';

export interface BackfillDeps {
  kafka: Kafka;
  config: AggregatorConfig;
  /** the jobs as registered (their generations) */
  jobs: readonly Job[];
  state: RedisState;
  registry: JobRegistry;
  sideOutputs: SideOutputs;
  partitionsOf(topic: string): number;
  speaksForJobs(): boolean;
  describe(progress: ReadonlyMap<string, JobProgress>): Promise<void>;
  metrics: { progress(job: string, progress: JobProgress): void; counted(job: string, events: number): void };
  consumerMetrics?: ConstructorParameters<typeof BatchConsumer>[1]['metrics'];
  logger: Logger;
}

export interface Backfill {
  /** looks at every job once; starts the catch-up reader when one is behind; returns their progress */
  start(): Promise<ReadonlyMap<string, JobProgress>>;
  close(): Promise<void>;
}

/**
 * Jobs behind the live reader (added or changed on a running pipeline) catch up on a consumer
 * of their own, in the group `<CONSUMER_GROUP>.catch-up` (its instances share the partitions),
 * which runs only while a job is behind; their progress is looked at every PROGRESS_INTERVAL_MS.
 */
export function createBackfill(deps: BackfillDeps): Backfill {
  const { config, logger } = deps;
  const reader = new CatchUpReader({
    state: deps.state,
    jobsByTopic: byTopic(deps.jobs),
    sideOutputs: deps.sideOutputs,
    counted: deps.metrics.counted,
    logger: logger.child({ component: 'catch-up' }),
  });
  const monitor = new ProgressMonitor({ ...deps, metrics: deps.metrics, logger: logger.child({ component: 'progress' }) });
  let consumer: BatchConsumer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> | undefined;

  const startReader = async (topics: string[]) => {
    consumer = new BatchConsumer(deps.kafka, {
      groupId: `${config.CONSUMER_GROUP}.catch-up`,
      sessionTimeoutMs: config.SESSION_TIMEOUT_MS,
      maxBytesPerPartition: config.CATCH_UP_FETCH_MAX_BYTES,
      maxBytes: config.CATCH_UP_FETCH_MAX_BYTES * 4,
      ...(deps.consumerMetrics ? { metrics: deps.consumerMetrics } : {}),
    });
    consumer.onAssignment(() => reader.resetAssignment());
    await consumer.start({ topics, fromBeginning: true, concurrency: config.CATCH_UP_CONCURRENCY, autoResolve: false, eachBatch: (b) => reader.process(b) });
    logger.info({ topics, group: `${config.CONSUMER_GROUP}.catch-up` }, 'catch-up reader started: jobs behind the live read count their source');
  };
  const behindTopics = (progress: ReadonlyMap<string, JobProgress>) => [
    ...new Set(deps.jobs.filter((j) => progress.get(j.name)?.status === 'backfilling').map((j) => j.source)),
  ];
  const look = async () => {
    const progress = await monitor.check();
    if (consumer && behindTopics(progress).length === 0) {
      const done = consumer;
      consumer = undefined;
      await done.close();
      logger.info('every job is live: catch-up reader stopped');
    }
  };

  return {
    async start() {
      const progress = await monitor.check();
      const topics = behindTopics(progress);
      if (topics.length > 0) await startReader(topics);
      timer = setInterval(() => {
        looking ??= look()
          .catch((err: unknown) => logger.warn({ err }, "looking at the jobs' progress failed; next time"))
          .finally(() => (looking = undefined));
      }, config.PROGRESS_INTERVAL_MS);
      return progress;
    },
    async close() {
      clearInterval(timer);
      await looking;
      await consumer?.close();
    },
  };
}

function byTopic(jobs: readonly Job[]): Map<string, Job[]> {
  const topics = new Map<string, Job[]>();
  for (const job of jobs) topics.set(job.source, [...(topics.get(job.source) ?? []), job]);
  return topics;
}
