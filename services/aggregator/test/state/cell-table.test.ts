import { integerAt, readCells as readCellsOf } from '../../src/state/cell-table';
import type { CellSpec } from '../../src/state/state-encoding';
import { byCell } from '../support/cell-table';

/** readCells of a reply given as text (READ_WINDOWS's reply comes as bytes). */
const readCells = (flat: string[], cells: readonly CellSpec[]) =>
  readCellsOf(
    flat.map((part) => Buffer.from(part)),
    cells,
  );

describe('readCells (a cells hash as READ_WINDOWS returns it)', () => {
  const cells = [
    { name: 'miles.sum', op: 'incr' as const },
    { name: 'miles.sumx', op: 'max' as const },
    { name: 'users.hll', op: 'hll' as const },
  ];

  it("unpacks each key's cells in their order, leaving out a cell with no value; a key may hold any character", () => {
    const read = readCells(['ORD', '2:123:1202:-70:', 'a|b:1', '1:51:30:0:'], cells);
    expect(read.counts).toEqual({ ORD: 12, 'a|b:1': 5 });
    expect(byCell(read.table)).toEqual([{ ORD: 120, 'a|b:1': 3 }, { ORD: -7 }, {}]);
    expect(read.hyperLogLogs).toEqual([]);
  });

  it("counts a set's elements, and takes a HyperLogLog's estimate after its '*', naming its field", () => {
    const read = readCells(['ORD', '1:20:0:8:1:a2:bc', 'LAX', '5:100000:0:5:*9031'], cells);
    expect(byCell(read.table)[2]).toEqual({ ORD: 2, LAX: 9031 });
    expect(read.hyperLogLogs).toEqual(['users.hll|LAX']);
  });

  it('measures lengths in UTF-8 bytes, as Redis does, whatever characters the elements hold', () => {
    const setFirst = [cells[2]!, cells[0]!];
    // ü is 2 bytes, 😀 4 (two UTF-16 units), 字 3: the set's text is 2+2 + 2+4 + 2+3 = 15 bytes
    const read = readCells(['k', '1:315:2:ü4:😀3:字3:120'], setFirst);
    expect(byCell(read.table)).toEqual([{ k: 3 }, { k: 120 }]);
    expect([read.table.keyAt(0), read.table.countAt(0), read.table.valueAt(0, 1)]).toEqual(['k', 3, 120]);
  });

  it('finds a key by its row, the rows in the order Redis gave them', () => {
    const { table } = readCells(['LAX', '2:111:52:-10:', '7', '1:31:00:0:'], cells);
    expect([table.size, table.keyAt(1), table.rowOf('LAX'), table.rowOf('7'), table.rowOf('SFO')]).toEqual([2, '7', 0, 1, undefined]);
    expect([table.valueAt(1, 0), table.valueAt(1, 1), table.countAt(1)]).toEqual([0, undefined, 3]);
  });

  it('reads a text it did not write (damaged or foreign) without hanging or throwing', () => {
    for (const packed of ['', ':', 'x', '1:', '9:1', '1:10:0:0:-5:ab', '1:10:0:0:8:-3:abcde', '1:10:0:0:5:x:abc', '1:1::::::']) {
      const { table } = readCells(['k', packed], cells);
      expect(table.size).toBe(1);
    }
  });

  it("marks a sum past 2^53 'overflow', as Redis keeps one that left its range", () => {
    expect(byCell(readCells(['x', '1:18:overflow0:0:', 'y', '1:116:90071992547409930:0:'], cells).table)[0]).toEqual({ x: 'overflow', y: 'overflow' });
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
    for (const part of parts) expect(integerAt(Buffer.from(`x:${part}:y`), 2, 2 + part.length)).toBe(Number(part));
  });
});
