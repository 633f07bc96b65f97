/**
 * One kind of window a job can have, one module each, registered in window-types/registry.ts:
 * its form in the jobs file, what else is wrong with one, whether its windows close, and where
 * an event's windows are. Two families:
 * - `time`: fixed spans of event time that every key shares (tumbling, hopping, running);
 *   the batch aggregator asks `startOf` (one window per event: no array per event, the common
 *   case) or `startsFor`, and `end`;
 * - `session`: a key's own windows, cut from its events by a gap of inactivity and merged in
 *   the checkpoint script (windowing/sessions.ts, state/session-scripts.ts).
 */
interface WindowTypeBase<S extends { type: string }> {
  /** what else is wrong with a spec the schema accepted, each problem naming its field */
  problems(spec: S): string[];
  /** whether its windows close (and so have a final result): a running total never does */
  closes: boolean;
}

export interface TimeWindowType<S extends { type: string }> extends WindowTypeBase<S> {
  family: 'time';
  /** the one window holding `ts`, for a type with one window per event */
  startOf?(spec: S, ts: number): number;
  /** the starts of every window holding `ts` (a window holds [start, end)), oldest first */
  startsFor(spec: S, ts: number): number[];
  /** the end (exclusive) of the window starting at `start`; null: it never ends */
  end(spec: S, start: number): number | null;
}

export interface SessionWindowType<S extends { type: string }> extends WindowTypeBase<S> {
  family: 'session';
  /** how long a key may be quiet before its session closes (ms) */
  gapOf(spec: S): number;
}

export type WindowType<S extends { type: string }> = TimeWindowType<S> | SessionWindowType<S>;

/** `value` mod `by`, never negative (event times before 1970 are negative). */
export function mod(value: number, by: number): number {
  return ((value % by) + by) % by;
}
