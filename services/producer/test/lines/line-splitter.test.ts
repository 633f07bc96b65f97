import { LineSplitter } from '../../src/lines/line-splitter';

describe('LineSplitter', () => {
  it('cuts LF and CRLF lines across chunks', () => {
    const splitter = new LineSplitter(100);
    const lines = [...splitter.push(Buffer.from('to be or\r\nnot to')), ...splitter.push(Buffer.from(' be\n')), ...splitter.end()];
    expect(lines.map((l) => l.bytes.toString())).toEqual(['to be or', 'not to be']);
  });

  it('flags a line over the limit and keeps only its first bytes', () => {
    const splitter = new LineSplitter(4);
    const lines = [...splitter.push(Buffer.from('abcdefgh')), ...splitter.push(Buffer.from('ij\nok\n'))];
    expect(lines).toEqual([
      { bytes: Buffer.from('abcd'), overlong: true },
      { bytes: Buffer.from('ok'), overlong: false },
    ]);
  });
});
