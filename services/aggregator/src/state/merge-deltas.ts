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
  // a copy shares the batches' sets until it adds to one (most keys of a sparse window are one batch's)
  const ownSets = new Set<Set<string>>();
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
        let copy = into;
        if (!copies.has(into)) {
          copy = copyOf(into);
          copies.add(copy);
          merged.set(id, copy);
        }
        addInto(copy, delta, ops, ownSets);
      }
    }
  }
  return [...merged.values(), ...apart];
}

/** Whether every count and sum of the two stays an exact integer when added. */
function mergeable(a: WindowDelta, b: WindowDelta, ops: readonly CellOp[]): boolean {
  let exact = true;
  b.counts.forEach((n, key) => (exact &&= Number.isSafeInteger((a.counts.get(key) ?? 0) + n)));
  for (let c = 0; exact && c < ops.length; c += 1) {
    if (ops[c] !== 'incr') continue;
    const into = a.cells?.[c];
    b.cells?.[c]?.forEach((n, key) => (exact &&= Number.isSafeInteger(((into?.get(key) as number | undefined) ?? 0) + (n as number))));
  }
  return exact;
}

/** Adds `delta` into the copy `into`; a set still a batch's is copied before it is added to. */
function addInto(into: WindowDelta, delta: WindowDelta, ops: readonly CellOp[], ownSets: Set<Set<string>>): void {
  delta.counts.forEach((n, key) => into.counts.set(key, (into.counts.get(key) ?? 0) + n));
  ops.forEach((op, c) => {
    const cell = into.cells![c]!;
    delta.cells?.[c]?.forEach((value, key) => {
      const current = cell.get(key);
      if (current === undefined) cell.set(key, value);
      else if (op === 'hll') {
        let set = current as Set<string>;
        if (!ownSets.has(set)) {
          set = new Set(set);
          ownSets.add(set);
          cell.set(key, set);
        }
        (value as Set<string>).forEach((element) => set.add(element));
      } else if (op === 'incr') cell.set(key, (current as number) + (value as number));
      else if (op === 'min' ? (value as number) < (current as number) : (value as number) > (current as number)) cell.set(key, value);
    });
  });
}

/** A window's delta to merge others into: its own maps, its sets still shared (see addInto). */
function copyOf(delta: WindowDelta): WindowDelta {
  const cells = delta.cells?.map((cell): CellDelta => new Map(cell));
  return { ...delta, counts: new Map(delta.counts), ...(cells ? { cells } : {}) };
}
