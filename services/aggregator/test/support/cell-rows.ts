import type { CellRows } from '../../src/windowing/cell-fold';
import type { Elements } from '../../src/windowing/cell-fold';

/** A delta's cells from one Map per cell (the job's cells in order, key -> value): the form tests state them in. */
export function rowsOf(perCell: readonly ReadonlyMap<string, number | Elements>[]): CellRows {
  const rows: CellRows = new Map();
  perCell.forEach((cell, c) => {
    cell.forEach((value, key) => {
      let row = rows.get(key);
      if (!row) rows.set(key, (row = new Array<number | Elements | undefined>(perCell.length)));
      row[c] = value;
    });
  });
  return rows;
}

/** A delta's cells as one record per cell (key -> value, the keys with a value only), for expectations. */
export function perCellOf(rows: CellRows | undefined, width: number): Record<string, number | Elements>[] {
  const perCell = Array.from({ length: width }, () => ({}) as Record<string, number | Elements>);
  rows?.forEach((row, key) =>
    row.forEach((value, c) => {
      if (value !== undefined) perCell[c]![key] = value;
    }),
  );
  return perCell;
}
