/**
 * How a job groups event time into windows. Sizes in ms. A session is one key's: its events
 * less than `gapMs` apart, from the first to the last plus the gap (see windowing/sessions).
 */
export type WindowSpec =
  { type: 'tumbling'; sizeMs: number } | { type: 'hopping'; sizeMs: number; slideMs: number } | { type: 'running' } | { type: 'session'; gapMs: number };

/** The window types whose windows are fixed spans of event time, shared by every key. */
export type TimeWindowSpec = Exclude<WindowSpec, { type: 'session' }>;

/** A running total has one window that starts at 0 and never ends. */
export const RUNNING_WINDOW_START = 0;

/**
 * Start times of the windows that contain `ts` (a window holds [start, start + size)).
 * Tumbling: one; hopping: size/slide of them, oldest first; running: the one window.
 */
export function windowStartsFor(spec: TimeWindowSpec, ts: number): number[] {
  switch (spec.type) {
    case 'running':
      return [RUNNING_WINDOW_START];
    case 'tumbling':
      return [tumblingWindowStart(ts, spec.sizeMs)];
    case 'hopping': {
      const last = ts - mod(ts, spec.slideMs);
      const starts: number[] = [];
      for (let start = last - spec.sizeMs + spec.slideMs; start <= last; start += spec.slideMs) {
        if (start + spec.sizeMs > ts) starts.push(start);
      }
      return starts;
    }
  }
}

/** The start of the one tumbling window of size `sizeMs` that holds `ts`. */
export function tumblingWindowStart(ts: number, sizeMs: number): number {
  return ts - mod(ts, sizeMs);
}

/** The end (exclusive) of the window starting at `start`; null for a running total. */
export function windowEnd(spec: TimeWindowSpec, start: number): number | null {
  return spec.type === 'running' ? null : start + spec.sizeMs;
}

function mod(value: number, by: number): number {
  return ((value % by) + by) % by;
}
