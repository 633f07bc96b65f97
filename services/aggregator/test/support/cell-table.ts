import { CellTable } from '../../src/state/cell-table';
import { keyedRecord } from '../../src/windowing/keyed-record';

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

/** Per cell, key -> value, the keys with none left out: a table as assertions compare it. */
export function byCell(table: CellTable): Record<string, number | 'overflow'>[] {
  const records = Array.from({ length: table.width - 1 }, () => keyedRecord<number | 'overflow'>());
  for (let row = 0; row < table.size; row += 1)
    for (let cell = 0; cell < records.length; cell += 1) {
      const value = table.valueAt(row, cell);
      if (value !== undefined) records[cell]![table.keyAt(row)] = value;
    }
  return records;
}
