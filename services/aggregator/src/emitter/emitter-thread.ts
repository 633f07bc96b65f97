import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { KafkaClientEvent, KafkaClientEventSink } from '@streamtally/kafka-client';
import type { RunningAs } from '../jobs/running-as';
import type { ThreadStartData } from '../lifecycle/thread-start';
import type { SeriesChange } from './emitter-series';
import type { EmitterHealth, Emitting } from './emitting';

/** What the emitter's thread starts from (emitter/emitter-main.ts). */
export interface EmitterThreadData extends ThreadStartData {
  /** the consumer group's assignment for this instance, as last known */
  owned: Record<string, readonly number[]>;
  /** partitions of the results topic */
  partitions: Record<string, number>;
}

export type ToEmitter = { type: 'jobs'; running: RunningAs[] } | { type: 'assignment'; owned: Record<string, readonly number[]> } | { type: 'close' };

export type FromEmitter =
  | { type: 'started' }
  | { type: 'tick'; startedAt: number }
  /** a tick's end: the metrics it changed, and the jobs failing since when */
  | { type: 'ticked'; changes: SeriesChange[]; failing: [string, number][]; lastError: string | null }
  | { type: 'kafka'; event: KafkaClientEvent }
  | { type: 'failed'; reason: string }
  | { type: 'closed' };

export interface EmitterThreadListeners {
  /** the metrics a tick changed, to apply to the aggregator's registry (a registry is one thread's) */
  series(changes: readonly SeriesChange[]): void;
  clientEvent?: KafkaClientEventSink;
  logger: Logger;
}

/** How long a thread that stopped on its own waits before the next starts. */
const RESTART_AFTER_MS = 1000;

/**
 * The result emitter on a thread of its own: writing results (reading windows, building
 * results, JSON, producing) no longer takes turns with counting on one thread, so in a
 * catch-up the finals keep up with the counting instead of following it (docs/benchmarks.md,
 * session 30). The emitter reads committed state only, so a thread that stops on its own is
 * simply started again, with the jobs and assignment as they are then.
 */
export class EmitterThread implements Emitting {
  private worker: Worker | undefined;
  private owned: Record<string, readonly number[]> = {};
  private failing: [string, number][] = [];
  private lastError: string | null = null;
  private tickStartedAt = 0;
  /** why the thread is not running, and since when (unset while it runs) */
  private down: { reason: string; since: number } | undefined;
  private restart: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly script: string,
    private readonly data: Omit<EmitterThreadData, 'owned'>,
    private readonly listeners: EmitterThreadListeners,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the thread; fails with the thread's reason when it cannot start (its settings, Redis, Kafka). */
  start(): Promise<void> {
    return this.launch();
  }

  assigned(owned: Readonly<Record<string, readonly number[]>>): void {
    this.owned = { ...owned };
    this.worker?.postMessage({ type: 'assignment', owned: this.owned } satisfies ToEmitter);
  }

  jobsChanged(running: RunningAs[]): void {
    this.data.running = running;
    this.worker?.postMessage({ type: 'jobs', running } satisfies ToEmitter);
  }

  health(stallTimeoutMs: number): EmitterHealth {
    const now = this.now();
    return {
      failingJobs: this.failing.filter(([, since]) => now - since >= stallTimeoutMs).map(([job]) => job),
      tickRunningMs: this.tickStartedAt > 0 ? now - this.tickStartedAt : 0,
      lastError: this.down ? `emitter thread: ${this.down.reason}` : this.lastError,
      ...(this.down && now - this.down.since >= stallTimeoutMs ? { threadDown: this.down.reason } : {}),
    };
  }

  /** Stops the thread's schedule (the running tick ends, its metrics come), then the thread. */
  async stop(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restart);
    const worker = this.worker;
    if (!worker) return;
    const closed = new Promise<void>((resolve) => {
      worker.on('message', (m: FromEmitter) => m.type === 'closed' && resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage({ type: 'close' } satisfies ToEmitter);
    await closed;
    await worker.terminate();
  }

  private launch(): Promise<void> {
    const worker = new Worker(this.script, { workerData: { ...this.data, owned: this.owned } satisfies EmitterThreadData });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let started = false;
      const fail = (reason: string) => {
        if (this.worker !== worker) return; // said already
        this.worker = undefined;
        this.tickStartedAt = 0;
        void worker.terminate();
        if (started) this.lost(reason);
        else reject(new Error(`emitter thread: ${reason}`));
      };
      worker.on('message', (message: FromEmitter) => {
        if (message.type === 'tick') this.tickStartedAt = message.startedAt;
        else if (message.type === 'ticked') this.ticked(message);
        else if (message.type === 'kafka') this.listeners.clientEvent?.(message.event);
        else if (message.type === 'failed') fail(message.reason);
        else if (message.type === 'started') {
          started = true;
          this.down = undefined;
          resolve();
        }
      });
      worker.on('error', (err) => fail(err.message));
      worker.on('exit', (code) => this.closing || fail(`exited (code ${code})`));
    });
  }

  private ticked({ changes, failing, lastError }: Extract<FromEmitter, { type: 'ticked' }>): void {
    this.tickStartedAt = 0;
    this.failing = failing;
    this.lastError = lastError;
    if (changes.length > 0) this.listeners.series(changes);
  }

  /** The thread stopped on its own: another, a moment later (and again, while they fail to start). */
  private lost(reason: string): void {
    if (this.closing) return;
    this.down ??= { reason, since: this.now() };
    this.listeners.logger.error({ reason }, 'the emitter thread stopped; starting another');
    this.restart = setTimeout(() => {
      if (!this.closing) this.launch().catch((err: unknown) => this.lost((err as Error).message));
    }, RESTART_AFTER_MS);
  }
}
