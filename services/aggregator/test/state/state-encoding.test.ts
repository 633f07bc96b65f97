import { integerAt, packDeltas, readCells } from '../../src/state/state-encoding';
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

  it('writes one flat array: job index, start and end as text, the counts as text, then per key its cells packed (`<bytes>:<text>` each, a set as its elements)', () => {
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
      2,
      'ORD',
      '2',
      'say "hi"\\\n',
      '1',
      2,
      'ORD',
      '3:1.513:1:a8:lone \ufffd',
      0,
      'say "hi"\\\n',
      '9:1000000000:',
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
      1,
      'x',
      '1',
      0,
    ]);
  });

  it('marks a key whose set is past what a cell keeps exactly, for the script to fold it into a HyperLogLog', () => {
    const many = new Set(Array.from({ length: 33 }, (_, i) => `u${i}`));
    const big: WindowDelta = { job: 'j', windowStart: 0, windowEnd: 1000, counts: new Map([['k', 33]]), cells: rowsOf([new Map(), new Map([['k', many]])]) };
    const packed = JSON.parse(packDeltas([[big]], ['j'], cells).toString()) as unknown[];
    expect(packed.slice(6, 8)).toEqual([1, 'k']);
    expect(packed[9]).toBe(1);
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
    expect(packed[8]).toBe('0:13:2:ü7:字😀');
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

describe('readCells (a cells hash as READ_WINDOWS returns it)', () => {
  const cells = [
    { name: 'miles.sum', op: 'incr' as const },
    { name: 'miles.sumx', op: 'max' as const },
    { name: 'users.hll', op: 'hll' as const },
  ];

  it("unpacks each key's cells in their order, leaving out a cell with no value; a key may hold any character", () => {
    const read = readCells(['ORD', '3:1202:-70:', 'a|b:1', '1:30:0:'], cells);
    expect(read.values).toEqual([{ ORD: 120, 'a|b:1': 3 }, { ORD: -7 }, {}]);
    expect(read.hyperLogLogs).toEqual([]);
  });

  it("counts a set's elements, and takes a HyperLogLog's estimate after its '*', naming its field", () => {
    const read = readCells(['ORD', '0:0:8:1:a2:bc', 'LAX', '0:0:5:*9031'], cells);
    expect(read.values[2]).toEqual({ ORD: 2, LAX: 9031 });
    expect(read.hyperLogLogs).toEqual(['users.hll|LAX']);
  });

  it('measures lengths in UTF-8 bytes, as Redis does, whatever characters the elements hold', () => {
    const setFirst = [cells[2]!, cells[0]!];
    // ü is 2 bytes, 😀 4 (two UTF-16 units), 字 3: the set's text is 2+2 + 2+4 + 2+3 = 15 bytes
    const read = readCells(['k', '15:2:ü4:😀3:字3:120'], setFirst);
    expect(read.values).toEqual([{ k: 3 }, { k: 120 }]);
  });

  it("marks a sum past 2^53 'overflow', as Redis keeps one that left its range", () => {
    expect(readCells(['x', '8:overflow0:0:', 'y', '16:90071992547409930:0:'], cells).values[0]).toEqual({ x: 'overflow', y: 'overflow' });
  });
});

describe('integerAt (a number read where it is written)', () => {
  it('reads a part of a text as Number() reads it, digits or not, short or long', () => {
    const parts = [
      '',
      '0',
      '-0',
      '7',
      '123',
      '-45',
      '900719925474099',
      '-900719925474099',
      '9007199254740993',
      '12345678901234567890',
      '1.5',
      '1e5',
      '-',
      'abc',
      '+3',
    ];
    for (const part of parts) expect(integerAt(`x:${part}:y`, 2, 2 + part.length)).toBe(Number(part));
  });
});
