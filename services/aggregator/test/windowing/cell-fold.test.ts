import { type CellRows, foldRow, forEachElement, sizeOf } from '../../src/windowing/cell-fold';

describe('foldRow', () => {
  it("keeps a set cell's one element as itself, the same element again too, and makes a set of a second", () => {
    const rows: CellRows = new Map();
    for (const destination of ['LAX', 'LAX']) foldRow(rows, ['hll'], 'ORD', [destination]);
    expect(rows.get('ORD')).toEqual(['LAX']);
    for (const destination of ['SFO', 'LAX']) foldRow(rows, ['hll'], 'ORD', [destination]);
    expect(rows.get('ORD')![0]).toEqual(new Set(['LAX', 'SFO']));
    const seen: string[] = [];
    forEachElement(rows.get('ORD')![0] as Set<string>, (e) => seen.push(e));
    forEachElement('one', (e) => seen.push(e));
    expect(seen).toEqual(['LAX', 'SFO', 'one']);
    expect([sizeOf('one'), sizeOf(new Set(['a', 'b', 'c']))]).toEqual([1, 3]);
  });

  it('adds, and keeps the least and the largest, per key, each cell by its op', () => {
    const rows: CellRows = new Map();
    for (const v of [5, -3, 9]) foldRow(rows, ['incr', 'min', 'max'], 'k', [v, v, v]);
    foldRow(rows, ['incr', 'min', 'max'], 'other', [1, 1, 1]);
    expect(rows.get('k')).toEqual([11, -3, 9]);
    expect(rows.get('other')).toEqual([1, 1, 1]);
  });

  it('leaves a cell without a value where the event has none (null), and fills it once one comes', () => {
    const rows: CellRows = new Map();
    foldRow(rows, ['incr', 'max', 'hll'], 'k', [2, null, 'a']);
    expect(rows.get('k')![1]).toBeUndefined();
    foldRow(rows, ['incr', 'max', 'hll'], 'k', [3, -4, null]);
    expect(rows.get('k')).toEqual([5, -4, 'a']);
  });
});
