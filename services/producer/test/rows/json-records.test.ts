import { JsonRecordCutter } from '../../src/rows/json-records';
import type { RawRecord } from '../../src/csv/record-splitter';

/** Every record of `text` cut in chunks of `chunkBytes`: its text, line, problem code. */
function cut(text: string | Buffer, chunkBytes = Infinity, maxRecordBytes = 1024) {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const cutter = new JsonRecordCutter(maxRecordBytes);
  const records: RawRecord[] = [];
  for (let at = 0; at < bytes.length; at += Math.min(chunkBytes, bytes.length)) records.push(...cutter.push(bytes.subarray(at, at + chunkBytes)));
  records.push(...cutter.end());
  return records.map((r) => ({ text: r.bytes.toString(), line: r.line, ...(r.problem ? { code: r.problem.code, reason: r.problem.reason } : {}) }));
}

const TRICKY = [
  { a: 'comma, bracket ] brace } quote " backslash \\', b: [1, [2, { c: ']' }]] },
  { '"quoted key"': '\\"', nested: { deeper: { deepest: [{}, [], ''] } } },
  { unicode: '上海 ✈', empty: {} },
];

describe('JsonRecordCutter', () => {
  it('cuts a top-level array into its elements, whatever the strings and nesting hold, numbered by position', () => {
    const records = cut(JSON.stringify(TRICKY));
    expect(records.map((r) => JSON.parse(r.text))).toEqual(TRICKY);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3]);
  });

  it('gives the same elements however the file is cut into chunks, down to one byte', () => {
    const text = JSON.stringify(TRICKY, null, 2);
    const whole = cut(text);
    for (const size of [1, 2, 3, 7, 64]) expect(cut(text, size)).toEqual(whole);
    expect(whole.map((r) => JSON.parse(r.text))).toEqual(TRICKY);
  });

  it('reads JSON Lines when the first byte is not "[", a line per record (blank lines left to the replay)', () => {
    const records = cut('{"a":1}\n\n{"a":[2]}\r\n  {"a":3}');
    expect(records).toEqual([
      { text: '{"a":1}', line: 1 },
      { text: '', line: 2 },
      { text: '{"a":[2]}', line: 3 },
      { text: '  {"a":3}', line: 4 },
    ]);
  });

  it('skips a byte-order mark and leading whitespace before the array', () => {
    expect(cut(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(' \n [ {"a":1} ,{"a":2}]\n')]), 2)).toEqual([
      { text: '{"a":1}', line: 1 },
      { text: '{"a":2}', line: 2 },
    ]);
  });

  it('an element over the bound is its first bytes with its whole length, and the next element is intact', () => {
    const big = JSON.stringify({ text: 'x'.repeat(500) });
    const records = cut(`[${big},{"b":2}]`, 100, 64);
    expect(records[0]).toMatchObject({ line: 1, code: 'too_long', reason: `element 1: ${big.length} bytes, more than 64` });
    expect(records[0]!.text).toBe(big.slice(0, 64));
    expect(records[1]).toEqual({ text: '{"b":2}', line: 2 });
  });

  it('names what is wrong with the array itself: an empty element, an unclosed array, text after its end', () => {
    expect(cut('[{"a":1},,{"a":2}]')).toEqual([
      { text: '{"a":1}', line: 1 },
      { text: '', line: 2, code: 'not_json', reason: 'element 2: empty (two commas in a row)' },
      { text: '{"a":2}', line: 3 },
    ]);
    expect(cut('[{"a":1},{"a":')).toEqual([
      { text: '{"a":1}', line: 1 },
      { text: '{"a":', line: 2 },
      { text: '', line: 3, code: 'not_json', reason: 'the file ends inside the top-level array (no closing "]")' },
    ]);
    expect(cut('[{"a":1}] trailing words\n', 4)).toEqual([
      { text: '{"a":1}', line: 1 },
      { text: 'trailing words\n', line: 2, code: 'not_json', reason: '15 bytes after the top-level array\'s closing "]"' },
    ]);
  });

  it('two elements without a comma stay one record, which the reader then refuses: nothing after it is lost', () => {
    expect(cut('[{"a":1} {"a":2},{"a":3}]').map((r) => r.text)).toEqual(['{"a":1} {"a":2}', '{"a":3}']);
  });

  it('an empty array holds no records', () => {
    expect(cut('[]')).toEqual([]);
    expect(cut('  [ \n ]  ')).toEqual([]);
  });
});
