import type { CellOp, NumberOp } from '../aggregates/aggregate';

/**
 * A window's cells over a batch: key -> the key's row, a value per state cell (the job's cells
 * in order; undefined where no event gave one): a folded number, or a set cell's elements.
 * One Map a window, not one per cell: a catch-up batch's window mostly holds one or two keys,
 * and five Maps a window were the larger part of a stats catch-up's deltas (docs/benchmarks.md,
 * session 27).
 */
export type CellRows = Map<string, CellRow>;

/** A key's values of a window's cells (see CellRows). */
export type CellRow = (number | Elements | undefined)[];

/** A set cell's elements in a batch: one, or several. */
export type Elements = string | Set<string>;

/** How many elements there are. */
export const sizeOf = (elements: Elements): number => (typeof elements === 'string' ? 1 : elements.size);

/** Calls `each` with every element. */
export function forEachElement(elements: Elements, each: (element: string) => void): void {
  if (typeof elements === 'string') each(elements);
  else elements.forEach((element) => each(element));
}

/**
 * Folds an event's `values` (one per cell, null where it has none) into `key`'s row of
 * `rows`, each by its cell's op: numbers folded, elements added to the key's set. The one
 * element itself is kept until a second comes (most keys of a catch-up's window see one
 * event: a Set for each was 3% of a stats catch-up's allocations, session 24).
 */
export function foldRow(rows: CellRows, ops: readonly CellOp[], key: string, values: readonly (number | string | null | undefined)[]): void {
  let row = rows.get(key);
  if (row === undefined) rows.set(key, (row = new Array<number | Elements | undefined>(ops.length)));
  for (let c = 0; c < ops.length; c += 1) {
    const value = values[c];
    if (value === null || value === undefined) continue;
    row[c] = foldValue(ops[c]!, row[c], value);
  }
}

/** A cell's value with `value` folded in by the cell's op. */
function foldValue(op: CellOp, current: number | Elements | undefined, value: number | string): number | Elements {
  if (current === undefined) return value;
  if (op !== 'hll') return foldedNumber(op as NumberOp, current as number, value as number);
  if (typeof current === 'string') return current === value ? current : new Set([current, value as string]);
  return (current as Set<string>).add(value as string);
}

/** Two values of a number cell folded by its op: added, or the least or the largest kept. */
export function foldedNumber(op: NumberOp, current: number, value: number): number {
  if (op === 'incr') return current + value;
  return (op === 'min' ? value < current : value > current) ? value : current;
}
