import type { RunningAs } from '../jobs/running-as';
import type { EmitSchedule } from './emit-schedule';
import type { ResultEmitter } from './result-emitter';

/** How the emitting goes, for /healthz. */
export interface EmitterHealth {
  /** jobs whose every emit has failed for STALL_TIMEOUT_MS at least */
  failingJobs: string[];
  /** how long the running tick has run (0: none) */
  tickRunningMs: number;
  /** the last tick's error, or null once one succeeded */
  lastError: string | null;
  /** the emitter's thread has not run for STALL_TIMEOUT_MS (it is started again meanwhile): why */
  threadDown?: string;
}

/**
 * The result emitter and its schedule, wherever they run: on the aggregator's own thread
 * (emittingHere: the tests' default), or on one of their own (EmitterThread: main.ts), which
 * must be told what the other shares by reference: the group's assignment and the jobs' generations.
 */
export interface Emitting {
  start(): Promise<void>;
  /** the consumer group's new assignment for this instance */
  assigned(owned: Readonly<Record<string, readonly number[]>>): void;
  /** the jobs as they run now (a recompute moved one, or one is no longer run here) */
  jobsChanged(running: RunningAs[]): void;
  health(stallTimeoutMs: number): EmitterHealth;
  /** no new tick; resolves once the running one has ended and what it wrote with is closed */
  stop(): Promise<void>;
}

/** The emitter on this thread: it reads the assignment and the jobs it shares with the rest. */
export function emittingHere(emitter: ResultEmitter, schedule: EmitSchedule): Emitting {
  return {
    start: async () => schedule.start(),
    assigned: () => undefined,
    jobsChanged: () => undefined,
    health: (stallTimeoutMs) => ({
      failingJobs: emitter.failingFor(stallTimeoutMs),
      tickRunningMs: schedule.runningForMs(),
      lastError: schedule.lastError,
    }),
    stop: () => schedule.stop(),
  };
}
