import { CellTable } from '../../src/state/cell-table';

/**
 * A CellTable holding `counts` and, per cell, key -> value (as CellTable.byCell gives them),
 * for results built without Redis. Its rows are the keys of `counts`, in their order.
 */
export function cellTableOf(counts: Record<string, number>, byCell: readonly Record<string, number | 'overflow'>[]): CellTable {
  const keys = Object.keys(counts);
  const width = byCell.length + 1;
  const numbers = new Float64Array(keys.length * width).fill(NaN);
  keys.forEach((key, row) => {
    numbers[row * width] = counts[key]!;
    byCell.forEach((cell, c) => {
      const value = cell[key];
      if (value !== undefined) numbers[row * width + 1 + c] = value === 'overflow' ? Infinity : value;
    });
  });
  return new CellTable(keys, width, numbers);
}
