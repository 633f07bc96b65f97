import { resultVersion, supersedes, UserActionEvent, WindowResult, windowResultKey } from '@streamtally/contracts';

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
      if (result.windowEnd === null ? result.version < resultVersion(counts, false) : !result.final) return false;
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

  counts(): Map<string, Record<string, number>> {
    return new Map([...this.byKey].map(([key, r]) => [key, r.counts]));
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
