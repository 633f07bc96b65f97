import { RecordSplitter } from '../../src/csv/record-splitter';

function split(chunks: string[]): { text: string; line: number }[] {
  const splitter = new RecordSplitter();
  const records = chunks.flatMap((c) => splitter.push(Buffer.from(c)));
  return [...records, ...splitter.end()].map((r) => ({ text: r.bytes.toString('utf8'), line: r.line }));
}

describe('RecordSplitter', () => {
  it('cuts LF and CRLF records and numbers their lines', () => {
    expect(split(['a,b\r\nc,d\n', 'e,f'])).toEqual([
      { text: 'a,b', line: 1 },
      { text: 'c,d', line: 2 },
      { text: 'e,f', line: 3 },
    ]);
  });

  it('joins a record cut across chunks, even inside a multi-byte character', () => {
    const bytes = Buffer.from('1,内蒙古\n2,广东\n');
    const splitter = new RecordSplitter();
    const records = [...splitter.push(bytes.subarray(0, 4)), ...splitter.push(bytes.subarray(4)), ...splitter.end()];
    expect(records.map((r) => r.bytes.toString('utf8'))).toEqual(['1,内蒙古', '2,广东']);
  });

  it('a quote never joins lines: a row is one line, whatever its quotes', () => {
    expect(split(['1,"two\nlines",x\n2,y\n'])).toEqual([
      { text: '1,"two', line: 1 },
      { text: 'lines",x', line: 2 },
      { text: '2,y', line: 3 },
    ]);
  });

  it('keeps blank lines as empty records so line numbers stay true', () => {
    expect(split(['a\n\nb\n'])).toEqual([
      { text: 'a', line: 1 },
      { text: '', line: 2 },
      { text: 'b', line: 3 },
    ]);
  });

  it('a stray or unclosed quote costs only its own line: the rows after it are rows again', () => {
    expect(split(['1,27" monitor,x\n2,"open\n3,y\n4,the end",z\n'])).toEqual([
      { text: '1,27" monitor,x', line: 1 },
      { text: '2,"open', line: 2 },
      { text: '3,y', line: 3 },
      { text: '4,the end",z', line: 4 },
    ]);
  });

  it('a line longer than the bound, across many chunks, is one problem record with its first bytes and whole length', () => {
    const splitter = new RecordSplitter(100);
    const long = 'z'.repeat(3 * 1024 * 1024);
    const chunks = [
      Buffer.from('a,b\n' + long.slice(0, 1000)),
      ...Array.from({ length: 48 }, (_, i) => Buffer.from(long.slice(1000 + i * 65_536, 1000 + (i + 1) * 65_536))),
      Buffer.from(long.slice(1000 + 48 * 65_536) + '\r\nc,d\n'),
    ];
    const records = [...chunks.flatMap((c) => splitter.push(c)), ...splitter.end()];
    expect(records.map((r) => [r.line, r.bytes.length, r.totalBytes, r.problem])).toEqual([
      [1, 3, undefined, undefined],
      [2, 100, long.length, { code: 'too_long', reason: `row: ${long.length} bytes, more than 100` }], // its length without the CRLF
      [3, 3, undefined, undefined],
    ]);
  });

  it('a complete record longer than the bound is a problem record too', () => {
    const splitter = new RecordSplitter(10);
    const records = splitter.push(Buffer.from('0123456789abc\nok\n'));
    expect(records.map((r) => [r.bytes.toString(), r.problem])).toEqual([
      ['0123456789', { code: 'too_long', reason: 'row: 13 bytes, more than 10' }],
      ['ok', undefined],
    ]);
  });

  it('mixed CRLF and LF endings give the same records', () => {
    expect(split(['a\r\nb\nc\r\n'])).toEqual([
      { text: 'a', line: 1 },
      { text: 'b', line: 2 },
      { text: 'c', line: 3 },
    ]);
  });
});

describe('RecordSplitter at the end of the input', () => {
  it('a last line over the bound, without a newline, is a problem record too', () => {
    const splitter = new RecordSplitter(8);
    const records = [...splitter.push(Buffer.from('ok\n0123456789')), ...splitter.push(Buffer.from('abc\r')), ...splitter.end()];
    expect(records.map((r) => [r.line, r.bytes.toString(), r.totalBytes, r.problem])).toEqual([
      [1, 'ok', undefined, undefined],
      [2, '01234567', 13, { code: 'too_long', reason: 'row: 13 bytes, more than 8' }],
    ]);
  });
});
