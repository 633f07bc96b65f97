import { type CellDelta, foldCell, forEachElement, sizeOf } from '../../src/windowing/cell-fold';

describe('foldCell', () => {
  it("keeps a set cell's one element as itself, the same element again too, and makes a set of a second", () => {
    const cell: CellDelta = new Map();
    foldCell(cell, 'hll', 'ORD', 'LAX');
    foldCell(cell, 'hll', 'ORD', 'LAX');
    expect(cell.get('ORD')).toBe('LAX');
    foldCell(cell, 'hll', 'ORD', 'SFO');
    foldCell(cell, 'hll', 'ORD', 'LAX');
    expect(cell.get('ORD')).toEqual(new Set(['LAX', 'SFO']));
    const seen: string[] = [];
    forEachElement(cell.get('ORD') as Set<string>, (e) => seen.push(e));
    forEachElement('one', (e) => seen.push(e));
    expect(seen).toEqual(['LAX', 'SFO', 'one']);
    expect([sizeOf('one'), sizeOf(new Set(['a', 'b', 'c']))]).toEqual([1, 3]);
  });

  it('adds, and keeps the least and the largest, per key', () => {
    const sums: CellDelta = new Map();
    const least: CellDelta = new Map();
    const largest: CellDelta = new Map();
    for (const v of [5, -3, 9]) {
      foldCell(sums, 'incr', 'k', v);
      foldCell(least, 'min', 'k', v);
      foldCell(largest, 'max', 'k', v);
    }
    expect([sums.get('k'), least.get('k'), largest.get('k')]).toEqual([11, -3, 9]);
  });
});
