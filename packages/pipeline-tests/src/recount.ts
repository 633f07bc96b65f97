import { supersedes, UserActionEvent, WindowResult, windowResultKey } from '@streamtally/contracts';

/**
 * The pipeline test's own recount of the input, written independently of the aggregator:
 * plain loops over every event, no shared code.
 */
export interface RecountJob {
  name: string;
  field: keyof UserActionEvent;
  filter?: (e: UserActionEvent) => boolean;
  /** tumbling when slide is absent; running when size is absent */
  sizeMs?: number;
  slideMs?: number;
}

/** An aggregate a recount computes beside the counts: over a numeric field, skipping events where it is null. */
export interface RecountAggregate {
  name: string;
  op: 'sum' | 'min' | 'max' | 'avg' | 'distinct';
  field: keyof UserActionEvent;
}

/** How far a mean (rounded to 4 places) may be from the exact quotient. */
export const MEAN_TOLERANCE = () => 0.00005 + 1e-9;

/**
 * How far a HyperLogLog estimate may be from the exact distinct count: four standard errors
 * (0.81% each; one in ~16,000 estimates falls further), and at least 1.
 */
export const DISTINCT_TOLERANCE = (exact: number) => Math.max(1, Math.ceil(4 * 0.0081 * exact));

/**
 * Per window and key, each aggregate's value as plain loops compute it (tumbling windows): the
 * sum, the least, the largest, the mean (unrounded), the exact number of distinct values;
 * null where no event had a value (distinct: 0).
 */
export function recountValues(
  events: UserActionEvent[],
  job: { name: string; field: keyof UserActionEvent; sizeMs: number; aggregates: RecountAggregate[] },
): Map<string, Record<string, Record<string, number | null>>> {
  const acc = new Map<string, Record<string, Record<string, number[]>>>();
  for (const e of events) {
    const window = windowResultKey(job.name, Math.floor(e.ts / job.sizeMs) * job.sizeMs);
    const keys = acc.get(window) ?? {};
    const perAggregate = (keys[String(e[job.field])] ??= {});
    for (const a of job.aggregates) {
      const value = e[a.field];
      (perAggregate[a.name] ??= []).push(...(value === null || value === undefined ? [] : [value as number]));
    }
    acc.set(window, keys);
  }
  const of = (op: RecountAggregate['op'], values: number[]): number | null => {
    if (values.length === 0) return op === 'distinct' ? 0 : null;
    let total = 0;
    for (const v of values) total += v;
    if (op === 'sum') return total;
    if (op === 'avg') return total / values.length;
    if (op === 'distinct') return new Set(values).size;
    return values.reduce((m, v) => (op === 'min' ? Math.min(m, v) : Math.max(m, v)));
  };
  return new Map(
    [...acc].map(([window, keys]) => [
      window,
      Object.fromEntries(
        Object.entries(keys).map(([key, values]) => [key, Object.fromEntries(job.aggregates.map((a) => [a.name, of(a.op, values[a.name]!)]))]),
      ),
    ]),
  );
}

export function recount(events: UserActionEvent[], jobs: RecountJob[]): Map<string, Record<string, number>> {
  const expected = new Map<string, Record<string, number>>();
  const add = (key: string, value: string) => {
    const counts = expected.get(key) ?? {};
    counts[value] = (counts[value] ?? 0) + 1;
    expected.set(key, counts);
  };
  for (const e of events) {
    for (const job of jobs) {
      if (job.filter && !job.filter(e)) continue;
      const value = String(e[job.field]);
      if (job.sizeMs === undefined) {
        add(windowResultKey(job.name, 0), value);
        continue;
      }
      const slide = job.slideMs ?? job.sizeMs;
      for (let start = Math.floor(e.ts / slide) * slide; start > e.ts - job.sizeMs; start -= slide) add(windowResultKey(job.name, start), value);
    }
  }
  return expected;
}

/**
 * Session windows as plain loops compute them: per key, its events in time order, cut where
 * two are `gapMs` or more apart; each session's count under its result key (start, key).
 */
export function recountSessions(
  events: UserActionEvent[],
  job: { name: string; field: keyof UserActionEvent; gapMs: number },
): Map<string, Record<string, number>> {
  const byKey = new Map<string, number[]>();
  for (const e of events) {
    const key = String(e[job.field]);
    const times = byKey.get(key);
    if (times) times.push(e.ts);
    else byKey.set(key, [e.ts]);
  }
  const expected = new Map<string, Record<string, number>>();
  for (const [key, times] of byKey) {
    times.sort((a, b) => a - b);
    let start = times[0]!;
    let n = 0;
    for (let i = 0; i < times.length; i += 1) {
      if (i > 0 && times[i]! - times[i - 1]! >= job.gapMs) {
        expected.set(windowResultKey(job.name, start, key), { [key]: n });
        start = times[i]!;
        n = 0;
      }
      n += 1;
    }
    expected.set(windowResultKey(job.name, start, key), { [key]: n });
  }
  return expected;
}

/** Every event a result counts: its listed keys' and the folded ones'. */
const totalOf = (result: Pick<WindowResult, 'counts' | 'other'>) => Object.values(result.counts).reduce((a, b) => a + b, 0) + (result.other?.count ?? 0);

/** Keeps the highest version per key, as any reader of the results topic does. */
export class LatestResults {
  readonly byKey = new Map<string, WindowResult>();
  offer(key: string, result: WindowResult): void {
    if (supersedes(result, this.byKey.get(key))) this.byKey.set(key, result);
  }
  /** true when every expected window is final (running totals: at the expected total) */
  complete(expected: Map<string, Record<string, number>>): boolean {
    for (const [key, counts] of expected) {
      const result = this.byKey.get(key);
      if (!result) return false;
      if (result.windowEnd === null ? totalOf(result) < totalOf({ counts }) : !result.final) return false;
    }
    return true;
  }
  /** The first few windows that are missing, not final, or counted wrong: for failure messages. */
  describeGaps(expected: Map<string, Record<string, number>>, limit = 5): string {
    const gaps: string[] = [];
    for (const [key, counts] of expected) {
      const result = this.byKey.get(key);
      const want = JSON.stringify(counts);
      if (!result) gaps.push(`${key}: no result (want ${want})`);
      else if (
        JSON.stringify(Object.fromEntries(Object.entries(result.counts).sort())) !== JSON.stringify(Object.fromEntries(Object.entries(counts).sort())) ||
        (result.windowEnd !== null && !result.final)
      ) {
        gaps.push(`${key}: final=${result.final} v${result.version} ${JSON.stringify(result.counts)} (want ${want})`);
      }
      if (gaps.length >= limit) break;
    }
    return `${gaps.length ? gaps.join('\n') : 'none'} (results for ${this.byKey.size} of ${expected.size} windows)`;
  }

  /** Each window's counts; a session merged into another (a retraction) is no window of its own. */
  counts(): Map<string, Record<string, number>> {
    return new Map([...this.byKey].filter(([, r]) => r.mergedInto === undefined).map(([key, r]) => [key, r.counts]));
  }

  /**
   * The results' values of the windows `expected` names, beside the expected ones, ready to
   * compare. A value within its aggregate's tolerance of the recount's (`within`: name ->
   * the largest difference allowed for an expected value) is taken as the same: a mean the
   * aggregator rounds to 4 places, a distinct count it estimates.
   */
  valuesLike(
    expected: Map<string, Record<string, Record<string, number | null>>>,
    within: Record<string, (want: number) => number>,
  ): { got: Map<string, unknown>; want: Map<string, unknown> } {
    const got = new Map<string, unknown>();
    for (const [window, rows] of expected) {
      const values = this.byKey.get(window)?.values;
      got.set(
        window,
        values &&
          Object.fromEntries(
            Object.entries(values).map(([key, row]) => [
              key,
              Object.fromEntries(
                // the aggregates the recount computes (a count is checked with the counts)
                Object.entries(row)
                  .filter(([name]) => rows[key] === undefined || name in rows[key])
                  .map(([name, v]) => {
                    const want = rows[key]?.[name];
                    const tolerance = within[name];
                    const close = tolerance !== undefined && typeof v === 'number' && typeof want === 'number' && Math.abs(v - want) <= tolerance(want);
                    return [name, close ? want : v];
                  }),
              ),
            ]),
          ),
      );
    }
    return { got, want: expected };
  }
}

/**
 * Two jobs over a user-action topic, with their recount: shoppers per gender per second, and
 * their running total. Enough to show a pipeline counts exactly, windows closing and all.
 */
export const GENDER_JOBS = [
  { name: 'gender-1s', key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 }, allowedLatenessMs: 500, emitEveryMs: 200 },
  { name: 'gender-total', key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 200 },
];
export const GENDER_RECOUNT: RecountJob[] = [
  { name: 'gender-1s', field: 'gender', sizeMs: 1000 },
  { name: 'gender-total', field: 'gender' },
];
