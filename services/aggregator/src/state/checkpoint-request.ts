import type { WindowDelta } from '../windowing/batch-aggregator';
import type { CellSpec } from './state-encoding';

export type CheckpointOutcome = 'OK' | 'FENCED' | 'OFFSET' | 'CLOSED' | 'JOBS';

/** Where a job is on one partition: its next offset (null: never set there) and the highest event time it counted there. */
export interface JobPosition {
  offset: string | null;
  maxTs: number;
}

export interface Ownership {
  epoch: string;
  /** next offset to consume */
  offset: string;
  /** highest event time counted; -Infinity when none */
  maxTs: number;
}

export interface CheckpointRequest {
  topic: string;
  partition: number;
  /** the owner's epoch; '' for the catch-up reader (no partition fence: the jobs' positions are its fence) */
  epoch: string;
  fromOffset: string;
  toOffset: string;
  maxTs: number;
  now: number;
  /** the jobs of the topic (their state names), with their closed points as read before aggregating (raw value, '' when none) */
  closedSeen: ReadonlyMap<string, string>;
  /**
   * per job, when it is not counted from the batch's start: 'skip' (not counted: behind, the
   * catch-up reader's) or the position it is counted from (see CHECKPOINT_BATCH)
   */
  from?: ReadonlyMap<string, string>;
  /** Kafka timestamp (ms) of the batch's oldest record, for the event-to-screen latency */
  writtenAt?: number;
  deltas: Iterable<WindowDelta>;
  /** per job with aggregates: its state cells, in the order of its deltas' `cells` */
  cells?: ReadonlyMap<string, readonly CellSpec[]>;
  /** per session job: its gap (ms); its deltas are sessions, merged with the open ones they overlap */
  gaps?: ReadonlyMap<string, number>;
}

/** What the checkpoint needs to know of the jobs' state: their cells, and which keep sessions. */
export function stateLayoutOf(
  jobs: readonly { stateId: string; cells: readonly CellSpec[]; window: { type: string; gapMs?: number } }[],
): Pick<CheckpointRequest, 'cells' | 'gaps'> {
  const gaps = new Map<string, number>();
  for (const job of jobs) if (job.window.gapMs !== undefined) gaps.set(job.stateId, job.window.gapMs);
  return { cells: new Map(jobs.map((j) => [j.stateId, j.cells])), gaps };
}
