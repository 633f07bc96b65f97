/** Which window of a job: its start, and for a session its key (a session is one key's). */
export interface WindowId {
  windowStart: number;
  sessionKey?: string;
}

/** A window's name in the job's keys (see keys.ts), as contracts name it. */
export { windowIdOf } from '@streamtally/contracts';

/** A window as the open set lists it: its name, and its end as the score (`inf`: a running total). */
export function windowOfMember(name: string, score: string): WindowId & { windowEnd: number | null } {
  const bar = name.indexOf('|');
  const end = score === 'inf' ? null : Number(score);
  if (bar < 0) return { windowStart: Number(name), windowEnd: end };
  return { windowStart: Number(name.slice(0, bar)), sessionKey: name.slice(bar + 1), windowEnd: end };
}

/** A session that an event joined to an earlier one of its key: its results are to be retracted. */
export interface MergedSession extends WindowId {
  sessionKey: string;
  /** the start of the session it is now part of */
  into: number;
  /** how many checkpoints had changed it (its results' versions were up to twice that) */
  changes: number;
  windowEnd: number;
}
