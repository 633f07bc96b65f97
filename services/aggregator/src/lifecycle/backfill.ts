import type { Logger } from 'pino';
import type { JobProgress } from '@streamtally/contracts';
import type { Kafka, KafkaClientEventSink } from '@streamtally/kafka-client';
import type { AggregatorConfig } from '../config';
import type { CatchUpReader } from '../consumer/catch-up-reader';
import type { SideOutputs } from '../consumer/partition-processor';
import type { RunningJobs } from '../jobs/running-jobs';
import type { JobRegistry } from '../state/job-registry';
import type { RedisState } from '../state/redis-state';
import { batchedCatchUpReader, startCatchUpConsumer } from './catch-up-consumer';
import { runningOf } from '../jobs/running-as';
import { CatchUpThread } from './catch-up-thread';
import { ProgressMonitor } from './progress-monitor';

export interface BackfillDeps {
  kafka: Kafka;
  config: AggregatorConfig;
  /** the jobs as registered (their generations; `recompute` moves one to its next) */
  jobs: RunningJobs;
  state: RedisState;
  registry: JobRegistry;
  sideOutputs: SideOutputs;
  partitionsOf(topic: string): number;
  speaksForJobs(): boolean;
  describe(progress: ReadonlyMap<string, JobProgress>): Promise<void>;
  metrics: { progress(job: string, progress: JobProgress): void; counted(job: string, events: number): void };
  /** where the catch-up reader's Kafka clients report (`recordClientEvents`), on whichever thread it runs */
  clientEvents?: KafkaClientEventSink;
  /** the catch-up reader on a thread of its own (main.ts: lifecycle/catch-up-main.js and the jobs file as read); absent: on this one */
  thread?: { script: string; jobsText: string; settings: Record<string, string | undefined> };
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
  const reader = catchUpReaderOf(deps);
  const monitor = new ProgressMonitor({
    ...deps,
    jobs: deps.jobs.all,
    advance: (name, generation) => deps.jobs.advance(name, generation),
    stop: (name) => deps.jobs.stop(name),
    logger: logger.child({ component: 'progress' }),
  });
  let consumer: { close(): Promise<void> } | undefined;
  let thread: CatchUpThread | undefined;
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> | undefined;
  /** the jobs (state names) behind when the catch-up consumer started */
  let serving = new Set<string>();

  const behind = (progress: ReadonlyMap<string, JobProgress>) => deps.jobs.all.filter((j) => progress.get(j.name)?.status === 'backfilling');
  const startReader = async (jobs: readonly { stateId: string; source: string }[]) => {
    serving = new Set(jobs.map((j) => j.stateId));
    const topics = [...new Set(jobs.map((j) => j.source))];
    if (deps.thread) consumer = thread = await startThread(deps, deps.thread, topics);
    else consumer = await startCatchUpConsumer(deps, reader, topics);
  };
  const look = async () => {
    const jobs = behind(await monitor.check());
    thread?.update(runningOf(deps.jobs.all));
    // every job live: the reader stops. A job behind that it did not serve (a recompute meanwhile), or a
    // catch-up thread that died: it starts again (it paused the partitions with nothing behind, for good)
    if (thread?.failure !== undefined) logger.warn({ reason: thread.failure }, 'the catch-up thread stopped; starting another');
    if (consumer && (jobs.length === 0 || jobs.some((j) => !serving.has(j.stateId)) || thread?.failure !== undefined)) {
      const done = consumer;
      consumer = thread = undefined;
      await done.close();
      if (jobs.length === 0) logger.info('every job is live: catch-up reader stopped');
    }
    if (!consumer && jobs.length > 0) await startReader(jobs);
  };

  return {
    async start() {
      const progress = await monitor.check();
      const jobs = behind(progress);
      if (jobs.length > 0) await startReader(jobs);
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

/** The catch-up reader on its thread, for `topics`, with the jobs as they run now. */
function startThread(deps: BackfillDeps, thread: NonNullable<BackfillDeps['thread']>, topics: string[]): Promise<CatchUpThread> {
  const { LATE_EVENTS_TOPIC, DEAD_LETTER_TOPIC } = deps.config;
  const partitions = Object.fromEntries([LATE_EVENTS_TOPIC, DEAD_LETTER_TOPIC].map((t) => [t, deps.partitionsOf(t)]));
  return CatchUpThread.start(
    thread.script,
    { settings: thread.settings, jobsText: thread.jobsText, running: runningOf(deps.jobs.all), topics, partitions },
    { counted: deps.metrics.counted, ...(deps.clientEvents ? { clientEvent: deps.clientEvents } : {}) },
  );
}

/** The catch-up reader on this thread (without `thread`). */
function catchUpReaderOf(deps: BackfillDeps): CatchUpReader {
  return batchedCatchUpReader({
    state: deps.state,
    jobsByTopic: deps.jobs.byTopic,
    sideOutputs: deps.sideOutputs,
    counted: deps.metrics.counted,
    logger: deps.logger.child({ component: 'catch-up' }),
  });
}
