import type { CellOp } from '../aggregates/aggregate';
import type { CellDelta, WindowDelta } from '../windowing/batch-aggregator';

/**
 * Several batches' deltas as one list for one checkpoint call: the deltas of one window from
 * several partitions merged into one (counts and sums added, extremes compared, sets joined),
 * so the script reads and writes that window once. Kept apart, in their order: sessions (the
 * script merges a key's sessions one by one), and a window whose sums would leave the range
 * numbers are exact in (the script adds them exactly, one delta at a time). The batches'
 * own deltas are never changed: a merged window is a copy (a call refused as a whole is
 * tried again batch by batch, with their deltas as they were).
 */
export function mergeDeltas(batches: readonly Iterable<WindowDelta>[], opsOf: (job: string) => readonly CellOp[]): WindowDelta[] {
  const merged = new Map<string, WindowDelta>();
  const copies = new Set<WindowDelta>();
  const apart: WindowDelta[] = [];
  for (const deltas of batches) {
    for (const delta of deltas) {
      if (delta.sessionKey !== undefined) {
        apart.push(delta);
        continue;
      }
      const id = `${delta.job}@${delta.windowStart}`;
      const into = merged.get(id);
      const ops = opsOf(delta.job);
      if (into === undefined) merged.set(id, delta);
      else if (!mergeable(into, delta, ops)) apart.push(delta);
      else {
        const copy = copies.has(into) ? into : copyOf(into);
        copies.add(copy);
        merged.set(id, copy);
        addInto(copy, delta, ops);
      }
    }
  }
  return [...merged.values(), ...apart];
}

/** Whether every count and sum of the two stays an exact integer when added. */
function mergeable(a: WindowDelta, b: WindowDelta, ops: readonly CellOp[]): boolean {
  for (const [key, n] of b.counts) if (!Number.isSafeInteger((a.counts.get(key) ?? 0) + n)) return false;
  return ops.every((op, c) => {
    if (op !== 'incr') return true;
    const into = a.cells?.[c];
    for (const [key, n] of b.cells?.[c] ?? []) if (!Number.isSafeInteger(((into?.get(key) as number | undefined) ?? 0) + (n as number))) return false;
    return true;
  });
}

function addInto(into: WindowDelta, delta: WindowDelta, ops: readonly CellOp[]): void {
  for (const [key, n] of delta.counts) into.counts.set(key, (into.counts.get(key) ?? 0) + n);
  ops.forEach((op, c) => {
    const cell = into.cells![c]!;
    for (const [key, value] of delta.cells?.[c] ?? []) {
      const current = cell.get(key);
      if (current === undefined) cell.set(key, op === 'hll' ? new Set(value as Set<string>) : value);
      else if (op === 'hll') for (const element of value as Set<string>) (current as Set<string>).add(element);
      else if (op === 'incr') cell.set(key, (current as number) + (value as number));
      else if (op === 'min' ? (value as number) < (current as number) : (value as number) > (current as number)) cell.set(key, value);
    }
  });
}

function copyOf(delta: WindowDelta): WindowDelta {
  const cells = delta.cells?.map((cell): CellDelta => new Map([...cell].map(([key, value]) => [key, typeof value === 'number' ? value : new Set(value)])));
  return { ...delta, counts: new Map(delta.counts), ...(cells ? { cells } : {}) };
}
