import type { CellOp } from '../aggregates/aggregate';
import type { WindowDelta } from '../windowing/batch-aggregator';
import { type CellRow, type Elements, foldedNumber, forEachElement } from '../windowing/cell-fold';

/**
 * Several batches' deltas for one checkpoint call, grouped by window: the deltas of one window
 * from several partitions go as one (packDeltas folds them as it writes them: counts and sums
 * added, extremes compared, sets joined), so the script reads and writes that window once.
 * Kept apart, in their order: sessions (the script merges a key's sessions one by one). The
 * batches' own deltas are never changed (a call refused as a whole is tried again batch by
 * batch, with their deltas as they were), and none is copied: copies of a catch-up's windows
 * were a tenth of a stats catch-up's allocations (docs/benchmarks.md, session 24).
 */
export function groupDeltas(batches: readonly Iterable<WindowDelta>[]): WindowDelta[][] {
  if (batches.length === 1) return Array.from(batches[0]!, (delta) => [delta]); // a batch's windows are its own
  const byJob = new Map<string, Map<number, WindowDelta[]>>();
  const groups: WindowDelta[][] = [];
  const apart: WindowDelta[][] = [];
  for (const deltas of batches) {
    for (const delta of deltas) {
      if (delta.sessionKey !== undefined) {
        apart.push([delta]);
        continue;
      }
      let windows = byJob.get(delta.job);
      if (!windows) byJob.set(delta.job, (windows = new Map()));
      const group = windows.get(delta.windowStart);
      if (group) group.push(delta);
      else {
        const fresh = [delta];
        windows.set(delta.windowStart, fresh);
        groups.push(fresh);
      }
    }
  }
  return apart.length === 0 ? groups : [...groups, ...apart];
}

/** Whether a key was in an earlier delta of the group than the `i`th (its values went with that one's). */
export function seenBefore(group: readonly WindowDelta[], i: number, key: string): boolean {
  for (let j = 0; j < i; j += 1) if (group[j]!.counts.has(key)) return true;
  return false;
}

/** A key's count over the group's deltas from the `i`th, the first that has it. */
export function countFrom(group: readonly WindowDelta[], i: number, key: string, count: number): number {
  let total = count;
  for (let j = i + 1; j < group.length; j += 1) total += group[j]!.counts.get(key) ?? 0;
  return total;
}

/**
 * A key's rows in the group's deltas from the `i`th on (undefined where a delta has none),
 * written into `rows` (reused from key to key): looked up once per key, not once per cell.
 */
export function rowsFrom(group: readonly WindowDelta[], i: number, key: string, rows: (CellRow | undefined)[]): (CellRow | undefined)[] {
  rows.length = 0;
  for (let j = i; j < group.length; j += 1) rows.push(group[j]!.cells?.get(key));
  return rows;
}

/** Cell `c` folded over a key's rows (rowsFrom) by the cell's op; undefined when none has a value. */
export function cellFrom(rows: readonly (CellRow | undefined)[], c: number, op: CellOp): number | Elements | undefined {
  let value: number | Elements | undefined;
  let own = false; // whether `value` is a set made here, which may be added to
  for (let j = 0; j < rows.length; j += 1) {
    const next = rows[j]?.[c];
    if (next === undefined) continue;
    if (value === undefined) value = next;
    else if (op === 'hll') {
      if (!own) value = new Set(typeof value === 'string' ? [value] : (value as Set<string>));
      own = true;
      forEachElement(next as Elements, (element) => (value as Set<string>).add(element));
    } else value = foldedNumber(op, value as number, next as number);
  }
  return value;
}
