import { RecordSplitter } from '../../src/csv/record-splitter';

function split(chunks: string[]): { text: string; line: number }[] {
  const splitter = new RecordSplitter();
  const records = chunks.flatMap((c) => splitter.push(Buffer.from(c)));
  return [...records, ...splitter.end()].map((r) => ({ text: r.bytes.toString('utf8'), line: r.line }));
}

describe('RecordSplitter', () => {
  it('cuts LF and CRLF records and numbers their lines', () => {
    expect(split(['a,b\r\nc,d\n', 'e,f'])).toEqual([
      { text: 'a,b', line: 1 }, { text: 'c,d', line: 2 }, { text: 'e,f', line: 3 },
    ]);
  });

  it('joins a record cut across chunks, even inside a multi-byte character', () => {
    const bytes = Buffer.from('1,内蒙古\n2,广东\n');
    const splitter = new RecordSplitter();
    const records = [...splitter.push(bytes.subarray(0, 4)), ...splitter.push(bytes.subarray(4)), ...splitter.end()];
    expect(records.map((r) => r.bytes.toString('utf8'))).toEqual(['1,内蒙古', '2,广东']);
  });

  it('keeps a newline inside a quoted field in the record and counts the lines it spans', () => {
    expect(split(['1,"two\nlines",x\n2,y\n'])).toEqual([
      { text: '1,"two\nlines",x', line: 1 }, { text: '2,y', line: 3 },
    ]);
  });

  it('keeps blank lines as empty records so line numbers stay true', () => {
    expect(split(['a\n\nb\n'])).toEqual([{ text: 'a', line: 1 }, { text: '', line: 2 }, { text: 'b', line: 3 }]);
  });

  it('gives up on a runaway quoted record instead of buffering the whole file', () => {
    const splitter = new RecordSplitter(16);
    const records = splitter.push(Buffer.from('1,"never closed\n' + 'x,y\n'.repeat(10)));
    expect(records).toHaveLength(1);
    expect(records[0]!.bytes.length).toBeGreaterThan(16);
  });
});
