import type { WindowResult } from '@streamtally/contracts';
import { type MergedSession, windowIdOf } from '../state/redis-state';
import type { WindowToPublish } from '../windowing/results';

/** A window with its state, as the state layer gives it. */
export type WindowState = Omit<WindowToPublish, 'job'>;

/** A share of a job's windows read for an emit: what one step writes. */
export interface EmitStep {
  /** input write times of the windows read (see attachInputTimes) */
  pending: ReadonlyMap<string, number>;
  watermark: number;
  finals: readonly (WindowState & { hyperLogLogs: string[] })[];
  /** open windows changed since they were last written */
  open: readonly WindowState[];
  merged: readonly MergedSession[];
  /** open windows after this step (for the gauge) */
  stillOpenAfter: number;
  /** more windows were due than the step closed */
  more: boolean;
  /** the end of the newest window the step closed (or an earlier step's) */
  closedUpTo?: number | undefined;
  /** the Redis primary the step's state was read from, when results wait for replicas (ReplicaWait) */
  primary?: string | undefined;
}

/**
 * Each result gets the write time of the oldest input first counted in it (kept per window
 * by the checkpoint script); returns those of open windows, to be cleared once the results
 * are written. A final's goes as its window retires: clearing it too was two Redis calls per
 * window of a catch-up for nothing (docs/benchmarks.md, session 26).
 */
export function attachInputTimes(results: WindowResult[], pending: ReadonlyMap<string, number>): Map<string, number> {
  const emittedPending = new Map<string, number>();
  for (const r of results) {
    if (r.mergedInto !== undefined) continue;
    const name = windowIdOf(r);
    const writtenAt = pending.get(name);
    if (writtenAt === undefined) continue;
    r.inputWrittenAt = writtenAt;
    if (!r.final) emittedPending.set(name, writtenAt);
  }
  return emittedPending;
}
