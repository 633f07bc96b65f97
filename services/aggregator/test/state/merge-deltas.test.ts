import type { CellOp } from '../../src/aggregates/aggregate';
import { mergeDeltas } from '../../src/state/merge-deltas';
import type { WindowDelta } from '../../src/windowing/batch-aggregator';

// cells of job "j": a sum, a minimum, a maximum, a set
const OPS: CellOp[] = ['incr', 'min', 'max', 'hll'];
const opsOf = (job: string) => (job === 'j' ? OPS : []);

function delta(windowStart: number, rows: Record<string, [number, number, number, number, string[]]>, job = 'j'): WindowDelta {
  const keys = Object.keys(rows);
  return {
    job,
    windowStart,
    windowEnd: windowStart + 1000,
    counts: new Map(keys.map((k) => [k, rows[k]![0]])),
    cells: OPS.map((op, c) => new Map(keys.map((k): [string, number | Set<string>] => [k, op === 'hll' ? new Set(rows[k]![4]) : (rows[k]![c + 1] as number)]))),
  };
}

const plain = (d: WindowDelta) => ({
  start: d.windowStart,
  counts: Object.fromEntries(d.counts),
  cells: d.cells?.map((cell) => Object.fromEntries([...cell].map(([k, v]) => [k, typeof v === 'number' ? v : [...v].sort()]))),
});

describe('merging partitions’ deltas for one checkpoint call', () => {
  it('merges a window the batches share: counts and sums added, the least minimum, the largest maximum, sets joined', () => {
    const a = [delta(0, { x: [2, 10, 3, 7, ['p', 'q']] }), delta(1000, { y: [1, 5, 5, 5, ['r']] })];
    const b = [delta(0, { x: [3, -4, 1, 9, ['q', 's']], z: [1, 1, 1, 1, ['t']] })];
    const merged = mergeDeltas([a, b], opsOf).map(plain);
    expect(merged).toEqual([
      {
        start: 0,
        counts: { x: 5, z: 1 },
        cells: [
          { x: 6, z: 1 },
          { x: 1, z: 1 },
          { x: 9, z: 1 },
          { x: ['p', 'q', 's'], z: ['t'] },
        ],
      },
      { start: 1000, counts: { y: 1 }, cells: [{ y: 5 }, { y: 5 }, { y: 5 }, { y: ['r'] }] },
    ]);
  });

  it('leaves the batches’ own deltas as they were (a call refused as a whole is tried batch by batch)', () => {
    // y first in b: the merged window shares b's set until c adds to it
    const a = [delta(0, { x: [2, 10, 3, 7, ['p']] })];
    const b = [delta(0, { x: [3, -4, 1, 9, ['q']], y: [1, 1, 1, 1, ['u']] })];
    const c = [delta(0, { x: [1, 1, 0, 1, ['r']], y: [1, 1, 1, 1, ['v']] })];
    const before = [a, b, c].map((list) => list.map(plain));
    const merged = mergeDeltas([a, b, c], opsOf).map(plain);
    expect([a, b, c].map((list) => list.map(plain))).toEqual(before);
    expect(merged[0]!.cells![3]).toEqual({ x: ['p', 'q', 'r'], y: ['u', 'v'] });
  });

  it('keeps apart sessions, other jobs’ windows, and a window whose sums would leave the exact range', () => {
    const session = { ...delta(0, { u: [1, 1, 1, 1, []] }), sessionKey: 'u' };
    const huge = delta(0, { x: [1, Number.MAX_SAFE_INTEGER, 0, 0, []] });
    const small = delta(0, { x: [1, 1, 0, 0, []] });
    const other = { job: 'k', windowStart: 0, windowEnd: 1000, counts: new Map([['x', 4]]) };
    const merged = mergeDeltas([[small, session], [huge, { ...session }], [other]], opsOf);
    expect(merged).toHaveLength(5);
    expect(merged.filter((d) => d.sessionKey === 'u')).toHaveLength(2);
    expect(merged.filter((d) => d.job === 'j' && d.sessionKey === undefined).map((d) => d.cells![0]!.get('x'))).toEqual([1, Number.MAX_SAFE_INTEGER]);
    expect(merged.find((d) => d.job === 'k')!.counts.get('x')).toBe(4);
  });
});
