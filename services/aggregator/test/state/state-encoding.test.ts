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

describe('readCells (a cells hash as READ_WINDOWS returns it)', () => {
  const cells = [
    { name: 'miles.sum', op: 'incr' as const },
    { name: 'miles.sumx', op: 'max' as const },
    { name: 'users.hll', op: 'hll' as const },
  ];

  it("unpacks each key's cells in their order, leaving out a cell with no value; a key may hold any character", () => {
    const read = readCells(['ORD', '2:123:1202:-70:', 'a|b:1', '1:51:30:0:'], cells);
    expect(read.counts).toEqual({ ORD: 12, 'a|b:1': 5 });
    expect(read.values).toEqual([{ ORD: 120, 'a|b:1': 3 }, { ORD: -7 }, {}]);
    expect(read.hyperLogLogs).toEqual([]);
  });

  it("counts a set's elements, and takes a HyperLogLog's estimate after its '*', naming its field", () => {
    const read = readCells(['ORD', '1:20:0:8:1:a2:bc', 'LAX', '5:100000:0:5:*9031'], cells);
    expect(read.values[2]).toEqual({ ORD: 2, LAX: 9031 });
    expect(read.hyperLogLogs).toEqual(['users.hll|LAX']);
  });

  it('measures lengths in UTF-8 bytes, as Redis does, whatever characters the elements hold', () => {
    const setFirst = [cells[2]!, cells[0]!];
    // ü is 2 bytes, 😀 4 (two UTF-16 units), 字 3: the set's text is 2+2 + 2+4 + 2+3 = 15 bytes
    const read = readCells(['k', '1:315:2:ü4:😀3:字3:120'], setFirst);
    expect(read.values).toEqual([{ k: 3 }, { k: 120 }]);
  });

  it("marks a sum past 2^53 'overflow', as Redis keeps one that left its range", () => {
    expect(readCells(['x', '1:18:overflow0:0:', 'y', '1:116:90071992547409930:0:'], cells).values[0]).toEqual({ x: 'overflow', y: 'overflow' });
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
