import { packDeltas, readCells } from '../../src/state/state-encoding';
import type { WindowDelta } from '../../src/windowing/batch-aggregator';

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
      cells: [
        new Map<string, number | Set<string>>([
          ['ORD', 1.5],
          ['say "hi"\\\n', 100_000_000],
        ]),
        new Map<string, number | Set<string>>([['ORD', new Set(['a', 'lone \ud800'])]]),
      ],
    },
    { job: 'total', windowStart: 0, windowEnd: null, counts: new Map([['1', 9]]) },
    { job: 'j', windowStart: 0, windowEnd: 1000, counts: new Map([['x', 1]]) },
  ];

  it('writes one flat array: job index, start and end as text, the counts as text, then per cell its keys and values (numbers as text, sets as elements)', () => {
    expect(JSON.parse(packDeltas(deltas, ['total', 'j'], cells))).toEqual([
      1,
      '3600000',
      '7200000',
      2,
      'ORD',
      '2',
      'say "hi"\\\n',
      '1',
      2,
      'ORD',
      '1.5',
      'say "hi"\\\n',
      '100000000',
      1,
      'ORD',
      ['a', 'lone \ufffd'],
      0,
      '0',
      '+inf',
      1,
      '1',
      '9',
      1,
      '0',
      '1000',
      1,
      'x',
      '1',
      0,
      0,
    ]);
  });

  it('refuses a delta of a job the call does not list', () => {
    expect(() => packDeltas(deltas, ['j'], cells)).toThrow("a delta of job total, which this topic's checkpoint does not list");
  });
});

describe('readCells (a cells hash as READ_WINDOWS returns it)', () => {
  const cells = [
    { name: 'miles.sum', op: 'incr' as const },
    { name: 'miles.sumx', op: 'max' as const },
    { name: 'users.hll', op: 'hll' as const },
  ];

  it('splits each field at its first bar: the cell, then the key, bars and all', () => {
    const read = readCells(['miles.sum|ORD', '120', 'miles.sumx|ORD', '-7', 'miles.sum|a|b', '3'], cells);
    expect(read.values).toEqual([{ ORD: 120, 'a|b': 3 }, { ORD: -7 }, {}]);
  });

  it("takes a set's size as Lua counted it, and a HyperLogLog's estimate after its '*', naming its field", () => {
    const read = readCells(['users.hll|ORD', 4, 'users.hll|LAX', '*9031'], cells);
    expect(read.values[2]).toEqual({ ORD: 4, LAX: 9031 });
    expect(read.hyperLogLogs).toEqual(['users.hll|LAX']);
  });

  it("marks a sum past 2^53 'overflow', as Redis keeps one that left its range", () => {
    expect(readCells(['miles.sum|x', 'overflow', 'miles.sum|y', '9007199254740993'], cells).values[0]).toEqual({ x: 'overflow', y: 'overflow' });
  });

  it('leaves out fields of cells not asked for (a prefix of a name is not the name)', () => {
    expect(readCells(['miles|ORD', '1', 'miles.su|ORD', '2', 'other.max|ORD', '3'], cells).values).toEqual([{}, {}, {}]);
  });
});
