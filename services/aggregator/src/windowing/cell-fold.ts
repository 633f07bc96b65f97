import type { CellOp, NumberOp } from '../aggregates/aggregate';

/**
 * One cell's part of a batch: key -> a folded number, or a set cell's elements: the one element
 * itself until a second comes (most keys of a catch-up's window see one event: a Set for each
 * was 3% of a stats catch-up's allocations, docs/benchmarks.md session 24).
 */
export type CellDelta = Map<string, number | Elements>;

/** A set cell's elements in a batch: one, or several. */
export type Elements = string | Set<string>;

/** How many elements there are. */
export const sizeOf = (elements: Elements): number => (typeof elements === 'string' ? 1 : elements.size);

/** Calls `each` with every element. */
export function forEachElement(elements: Elements, each: (element: string) => void): void {
  if (typeof elements === 'string') each(elements);
  else elements.forEach((element) => each(element));
}

/** Folds `value` into a cell's map under `key`, by the cell's op: a number folded, or an element added to the key's set. */
export function foldCell(cell: CellDelta, op: CellOp, key: string, value: number | string): void {
  const current = cell.get(key);
  if (op === 'hll') {
    if (current === undefined) cell.set(key, value as string);
    else if (typeof current === 'string') {
      if (current !== value) cell.set(key, new Set([current, value as string]));
    } else (current as Set<string>).add(value as string);
    return;
  }
  cell.set(key, current === undefined ? (value as number) : foldedNumber(op as NumberOp, current as number, value as number));
}

/** Two values of a number cell folded by its op: added, or the least or the largest kept. */
export function foldedNumber(op: NumberOp, current: number, value: number): number {
  if (op === 'incr') return current + value;
  return (op === 'min' ? value < current : value > current) ? value : current;
}
