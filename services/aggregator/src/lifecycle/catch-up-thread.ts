import { Worker } from 'node:worker_threads';
import type { KafkaClientEvent, KafkaClientEventSink } from '@streamtally/kafka-client';
import type { RunningAs } from '../jobs/running-as';
import type { ThreadStartData } from './thread-start';

/** What the catch-up thread starts from (lifecycle/catch-up-main.ts). */
export interface CatchUpThreadData extends ThreadStartData {
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
