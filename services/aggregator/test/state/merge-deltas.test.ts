import { groupDeltas } from '../../src/state/merge-deltas';
import { packDeltas } from '../../src/state/state-encoding';
import type { WindowDelta } from '../../src/windowing/batch-aggregator';
import type { Elements } from '../../src/windowing/cell-fold';
import { perCellOf, rowsOf } from '../support/cell-rows';

// cells of job "j": a sum, a minimum, a maximum, a set
const CELLS = [
  { name: 's', op: 'incr' as const },
  { name: 'lo', op: 'min' as const },
  { name: 'hi', op: 'max' as const },
  { name: 'set', op: 'hll' as const },
];
const specs = new Map([['j', CELLS]]);

function delta(windowStart: number, rows: Record<string, [number, number, number, number, string[]]>): WindowDelta {
  const keys = Object.keys(rows);
  return {
    job: 'j',
    windowStart,
    windowEnd: windowStart + 1000,
    counts: new Map(keys.map((k) => [k, rows[k]![0]])),
    cells: rowsOf(
      CELLS.map(
        (cell, c) => new Map(keys.map((k): [string, number | Elements] => [k, cell.op === 'hll' ? new Set(rows[k]![4]) : (rows[k]![c + 1] as number)])),
      ),
    ),
  };
}

/**
 * The windows of a packed argument of job "j" (index 0, with cells): start, counts, and each
 * key's packed cells; a job with cells sends no counts of their own, each key's goes first in
 * its packed cells (taken out here).
 */
function windowsOf(text: Buffer): { start: string; counts: Record<string, string>; cells: Record<string, string> }[] {
  const flat = JSON.parse(text.toString()) as (string | number)[];
  const out = [];
  for (let d = 0; d < flat.length;) {
    const start = flat[d + 1] as string;
    expect(flat[d + 3]).toBe(0);
    const m = flat[d + 4] as number;
    d += 5;
    const counts: Record<string, string> = {};
    const cells: Record<string, string> = {};
    for (let x = 0; x < m; x += 1, d += 3) {
      const packed = flat[d + 1] as string;
      const colon = packed.indexOf(':');
      const end = colon + 1 + Number(packed.slice(0, colon));
      counts[flat[d]!] = packed.slice(colon + 1, end);
      cells[flat[d]!] = packed.slice(end);
    }
    out.push({ start, counts, cells });
  }
  return out;
}

const plain = (d: WindowDelta) => ({
  counts: Object.fromEntries(d.counts),
  cells: perCellOf(d.cells, CELLS.length).map((cell) =>
    Object.fromEntries(Object.entries(cell).map(([k, v]) => [k, typeof v === 'object' ? [...v].sort() : v])),
  ),
});

describe('partitions’ deltas grouped by window for one checkpoint call, and packed folded', () => {
  it('folds a window the batches share: counts and sums added, the least minimum, the largest maximum, sets joined', () => {
    const a = [delta(0, { x: [2, 10, 3, 7, ['p', 'q']] }), delta(1000, { y: [1, 5, 5, 5, ['r']] })];
    const b = [delta(0, { x: [3, -4, 1, 9, ['q', 's']], z: [1, 1, 1, 1, ['t']] })];
    const groups = groupDeltas([a, b]);
    expect(groups.map((g) => g.length)).toEqual([2, 1]);
    expect(windowsOf(packDeltas(groups, ['j'], specs))).toEqual([
      { start: '0', counts: { x: '5', z: '1' }, cells: { x: '1:61:11:99:1:p1:q1:s', z: '1:11:11:13:1:t' } },
      { start: '1000', counts: { y: '1' }, cells: { y: '1:51:51:53:1:r' } },
    ]);
  });

  it("joins a key's lone element (kept as itself, not a set) with another batch's", () => {
    const a = delta(0, { x: [1, 1, 1, 1, []] });
    const b = delta(0, { x: [1, 1, 1, 1, []] });
    a.cells!.get('x')![3] = 'p';
    b.cells!.get('x')![3] = 'q';
    expect(windowsOf(packDeltas(groupDeltas([[a], [b]]), ['j'], specs))[0]!.cells.x).toBe('1:21:11:16:1:p1:q');
  });

  it('leaves the batches’ own deltas as they were (a call refused as a whole is tried batch by batch)', () => {
    const a = [delta(0, { x: [2, 10, 3, 7, ['p']] })];
    const b = [delta(0, { x: [3, -4, 1, 9, ['q']], y: [1, 1, 1, 1, ['u']] })];
    const c = [delta(0, { x: [1, 1, 0, 1, ['r']], y: [1, 1, 1, 1, ['v']] })];
    const before = [a, b, c].map((list) => list.map(plain));
    expect(windowsOf(packDeltas(groupDeltas([a, b, c]), ['j'], specs))[0]!.cells.y).toBe('1:21:11:16:1:u1:v');
    expect([a, b, c].map((list) => list.map(plain))).toEqual(before);
  });

  it('keeps sessions apart, each its own window, after the others; other jobs’ windows are groups of their own', () => {
    const session = { ...delta(0, { u: [1, 1, 1, 1, []] }), sessionKey: 'u' };
    const small = delta(0, { x: [1, 1, 0, 0, []] });
    const other: WindowDelta = { job: 'k', windowStart: 0, windowEnd: 1000, counts: new Map([['x', 4]]) };
    const groups = groupDeltas([
      [session, small],
      [{ ...session }, other, delta(0, { x: [1, 1, 0, 0, []] })],
    ]);
    expect(groups.map((g) => g.map((d) => `${d.job}${d.sessionKey ?? ''}`))).toEqual([['j', 'j'], ['k'], ['ju'], ['ju']]);
  });

  it('packs a window whose folded sums would leave the exact range delta by delta (the script adds them exactly)', () => {
    const huge = delta(0, { x: [1, Number.MAX_SAFE_INTEGER, 0, 0, []] });
    const small = delta(0, { x: [1, 1, 0, 0, []] });
    const windows = windowsOf(packDeltas(groupDeltas([[small], [huge]]), ['j'], specs));
    const sumOf = (packed: string) => packed.slice(packed.indexOf(':') + 1, packed.indexOf(':') + 1 + Number(packed.slice(0, packed.indexOf(':'))));
    expect(windows.map((w) => sumOf(w.cells.x!))).toEqual(['1', String(Number.MAX_SAFE_INTEGER)]);
    expect(windows.map((w) => w.counts.x)).toEqual(['1', '1']);
  });
});
