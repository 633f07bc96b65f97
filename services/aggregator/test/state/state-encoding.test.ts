import { readCells } from '../../src/state/state-encoding';

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
