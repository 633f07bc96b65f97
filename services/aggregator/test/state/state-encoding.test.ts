import { packDeltas } from '../../src/state/state-encoding';
import type { WindowDelta } from '../../src/windowing/batch-aggregator';
import { rowsOf } from '../support/cell-rows';

describe('packDeltas (the deltas as CHECKPOINT_BATCH reads them)', () => {
  const cells = new Map([
    [
      'j',
      [
        { name: 'miles.sum', op: 'incr' as const },
        { name: 'users.hll', op: 'hll' as const },
      ],
    ],
  ]);
  const deltas: WindowDelta[] = [
    {
      job: 'j',
      windowStart: 3_600_000,
      windowEnd: 7_200_000,
      counts: new Map([
        ['ORD', 2],
        ['say "hi"\\\n', 1],
      ]),
      cells: rowsOf([
        new Map<string, number | Set<string>>([
          ['ORD', 1.5],
          ['say "hi"\\\n', 100_000_000],
        ]),
        new Map<string, number | Set<string>>([['ORD', new Set(['a', 'lone \ud800'])]]),
      ]),
    },
    { job: 'total', windowStart: 0, windowEnd: null, counts: new Map([['1', 9]]) },
    { job: 'j', windowStart: 0, windowEnd: 1000, counts: new Map([['x', 1]]) },
  ];

  it('writes one flat array: job index, start and end as text, the counts as text, or for a job with cells none, then per key its count and cells packed (`<bytes>:<text>` each, a set as its elements)', () => {
    expect(
      JSON.parse(
        packDeltas(
          deltas.map((d) => [d]),
          ['total', 'j'],
          cells,
        ).toString(),
      ),
    ).toEqual([
      1,
      '3600000',
      '7200000',
      0,
      2,
      'ORD',
      '1:23:1.513:1:a8:lone \ufffd',
      0,
      'say "hi"\\\n',
      '1:19:1000000000:',
      0,
      0,
      '0',
      '+inf',
      1,
      '1',
      '9',
      1,
      '0',
      '1000',
      0,
      1,
      'x',
      '1:10:0:', // a key with no cell of a value yet: its count
      0,
    ]);
  });

  it('marks a key whose set is past what a cell keeps exactly, for the script to fold it into a HyperLogLog', () => {
    const many = new Set(Array.from({ length: 33 }, (_, i) => `u${i}`));
    const big: WindowDelta = { job: 'j', windowStart: 0, windowEnd: 1000, counts: new Map([['k', 33]]), cells: rowsOf([new Map(), new Map([['k', many]])]) };
    const packed = JSON.parse(packDeltas([[big]], ['j'], cells).toString()) as unknown[];
    expect(packed.slice(3, 6)).toEqual([0, 1, 'k']);
    expect(packed[7]).toBe(1);
  });

  it("gives each set element's length, and the set's, in UTF-8 bytes (as Redis counts them)", () => {
    const multiByte: WindowDelta = {
      job: 'j',
      windowStart: 0,
      windowEnd: 1000,
      counts: new Map([['k', 2]]),
      cells: rowsOf([new Map(), new Map([['k', new Set(['ü', '字😀'])]])]),
    };
    const packed = JSON.parse(packDeltas([[multiByte]], ['j'], cells).toString()) as unknown[];
    expect(packed[6]).toBe('1:20:13:2:ü7:字😀');
  });

  it('writes an empty array when there is nothing to write', () => {
    expect(packDeltas([], ['j'], cells).toString()).toBe('[]');
  });

  it('refuses a delta of a job the call does not list', () => {
    expect(() =>
      packDeltas(
        deltas.map((d) => [d]),
        ['j'],
        cells,
      ),
    ).toThrow("a delta of job total, which this topic's checkpoint does not list");
  });
});
