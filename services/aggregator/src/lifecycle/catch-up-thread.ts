import { Worker } from 'node:worker_threads';
import type { KafkaClientEvent, KafkaClientEventSink } from '@streamtally/kafka-client';
import type { Job } from '../jobs/job-schema';

/** A job as this instance runs it: which generation, under which state name. */
export interface RunningAs {
  name: string;
  stateId: string;
  generation: number;
}

/** What the catch-up thread starts from (lifecycle/catch-up-main.ts). */
export interface CatchUpThreadData {
  /** the settings the aggregator's config was parsed from (main.ts: its environment) */
  settings: Record<string, string | undefined>;
  /** the jobs file as the aggregator read it at start */
  jobsText: string;
  /** the jobs the aggregator runs, as it runs them */
  running: RunningAs[];
  /** the topics to catch up on */
  topics: string[];
  /** partitions of the side outputs' topics */
  partitions: Record<string, number>;
}

export type ToThread = { type: 'jobs'; running: RunningAs[] } | { type: 'close' };
export type FromThread =
  | { type: 'started' }
  | { type: 'counted'; job: string; events: number }
  /** what its Kafka clients reported, for the aggregator's metrics (a registry is one thread's) */
  | { type: 'kafka'; event: KafkaClientEvent }
  | { type: 'failed'; reason: string }
  | { type: 'closed' };

/** What the aggregator hears from the thread while it runs. */
export interface ThreadListeners {
  counted(job: string, events: number): void;
  clientEvent?: KafkaClientEventSink;
}

/** The jobs file's jobs as `running` says they run (their generations); those not run left out. */
export function runningAs(compiled: readonly Job[], running: readonly RunningAs[]): Job[] {
  return running.flatMap((r) => {
    const job = compiled.find((j) => j.name === r.name);
    return job ? [{ ...job, stateId: r.stateId, generation: r.generation }] : [];
  });
}

/** How a job runs, for the thread. */
export const runningOf = (jobs: readonly Job[]): RunningAs[] => jobs.map(({ name, stateId, generation }) => ({ name, stateId, generation }));

/**
 * The catch-up reader on a thread of its own: the live jobs' thread no longer counts the
 * backfill, and the backfill no longer waits behind the live jobs (docs/benchmarks.md,
 * session 21). Started once the thread says its consumer runs; fails with the thread's reason.
 * A thread that dies afterwards says why in `failure` (the backfill starts another).
 */
export class CatchUpThread {
  private constructor(
    private readonly worker: Worker,
    private readonly exited: Promise<void>,
    private readonly failed: () => string | undefined,
  ) {}

  static start(script: string, data: CatchUpThreadData, listeners: ThreadListeners): Promise<CatchUpThread> {
    const worker = new Worker(script, { workerData: data });
    let failure: string | undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => {
        failure ??= reason;
        reject(new Error(`catch-up thread: ${failure}`));
      };
      worker.on('message', (message: FromThread) => {
        if (message.type === 'counted') listeners.counted(message.job, message.events);
        else if (message.type === 'kafka') listeners.clientEvent?.(message.event);
        else if (message.type === 'started') resolve(new CatchUpThread(worker, exited, () => failure));
        else if (message.type === 'failed') {
          fail(message.reason);
          void worker.terminate();
        }
      });
      worker.on('error', (err) => fail(err.message));
      worker.on('exit', (code) => fail(`exited (code ${code})`));
    });
  }

  /** Why the thread stopped on its own, once it has (a closed one never has). */
  get failure(): string | undefined {
    return this.closing ? undefined : this.failed();
  }

  private closing = false;

  /** Tells the thread the jobs as they run now (a recompute moved one, or one is no longer run here). */
  update(running: RunningAs[]): void {
    if (this.failure === undefined) this.worker.postMessage({ type: 'jobs', running } satisfies ToThread);
  }

  /** Stops the thread's consumer (its batches in progress finish), then the thread. */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.worker.on('message', (m: FromThread) => m.type === 'closed' && resolve()));
    this.worker.postMessage({ type: 'close' } satisfies ToThread);
    await Promise.race([closed, this.exited]);
    await this.worker.terminate();
  }
}
