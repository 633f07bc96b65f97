import type { CellOp } from '../aggregates/aggregate';

/** One cell's part of a batch: key -> a folded number, or the elements added (a set cell). */
export type CellDelta = Map<string, number | Set<string>>;

/** Folds `value` into a cell's map under `key`, by the cell's op: a number folded, or an element added to the key's set. */
export function foldCell(cell: CellDelta, op: CellOp, key: string, value: number | string): void {
  const current = cell.get(key);
  if (op === 'hll') {
    if (current === undefined) cell.set(key, new Set([value as string]));
    else (current as Set<string>).add(value as string);
    return;
  }
  const n = value as number;
  if (current === undefined) cell.set(key, n);
  else if (op === 'incr') cell.set(key, (current as number) + n);
  else if (op === 'min' ? n < (current as number) : n > (current as number)) cell.set(key, n);
}
