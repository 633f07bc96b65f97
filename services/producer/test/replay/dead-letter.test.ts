import { DEAD_LETTER_REASON_LIMIT } from '@streamtally/contracts';
import { fileDeadLetter, reasonKind } from '../../src/replay/dead-letter';

describe('dead letters', () => {
  it.each([
    ['field gender: "3" is not a gender code 0, 1 or 2', 'bad_gender'],
    ['expected 11 columns, found 9', 'column_count'],
    ['undecodable bytes: the line is not valid UTF-8', 'undecodable'],
    ['a quoted field is not closed', 'unclosed_quote'],
    ['header has no column "day"', 'bad_header'],
  ])('labels "%s" as %s', (reason, kind) => {
    expect(reasonKind(reason)).toBe(kind);
  });

  it('keeps the raw line, file and line number; invalid UTF-8 travels as base64', () => {
    const bytes = Buffer.from([0x31, 0xff, 0x32]);
    const letter = JSON.parse(fileDeadLetter('f.csv', 7, bytes, 'undecodable bytes: the line is not valid UTF-8', 42).value.toString());
    expect(letter).toEqual({
      reason: 'undecodable bytes: the line is not valid UTF-8',
      raw: bytes.toString('base64'),
      encoding: 'base64',
      source: { file: 'f.csv', line: 7 },
      at: 42,
      rawBytes: 3,
      truncated: false,
    });
    expect(Buffer.from(letter.raw, 'base64')).toEqual(bytes);
  });

  it('never carries more than DEAD_LETTER_RAW_LIMIT raw bytes, cut on a character boundary, with the whole length', () => {
    const bytes = Buffer.from('省'.repeat(1000)); // 3,000 bytes; 1024 is not a character boundary
    const letter = JSON.parse(fileDeadLetter('f.csv', 1, bytes, 'field province: too long', 0, 5000).value.toString());
    expect(Buffer.byteLength(letter.raw)).toBe(1023);
    expect(letter.raw).toBe('省'.repeat(341));
    expect({ rawBytes: letter.rawBytes, truncated: letter.truncated }).toEqual({ rawBytes: 5000, truncated: true });
    const long = JSON.parse(fileDeadLetter('f.csv', 1, Buffer.from('x'), 'r'.repeat(10_000), 0).value.toString());
    expect(long.reason).toHaveLength(DEAD_LETTER_REASON_LIMIT);
  });
});
