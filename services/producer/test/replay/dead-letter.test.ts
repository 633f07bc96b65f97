import { DEAD_LETTER_REASON_LIMIT, problem } from '@streamtally/contracts';
import { columnsFromHeader, createRowParser, CANONICAL_COLUMNS } from '../../src/csv/user-log-row';
import { decodeRecord } from '../../src/csv/record-decoder';
import { fileDeadLetter } from '../../src/replay/dead-letter';

const parse = createRowParser(CANONICAL_COLUMNS, 16);

describe('dead letters', () => {
  it.each([
    ['1,2,3,4,5,11,11,0,3,7,上海', 'bad_gender', 'field gender: "7" is not a gender code 0, 1 or 2'],
    ['1,2,3,4,5,13,11,0,3,1,上海', 'bad_month', 'field month: "13" is not a month 1-12'],
    ['1,2,3,4,5,11,11,0,3', 'column_count', 'expected 11 columns, found 9'],
    ['1,2,3,4,5,11,11,0,3,1,"上海', 'unclosed_quote', 'field province: a quoted field is not closed'],
    ['1,2,3,4,5,11,11,0,3,"1"x,上海', 'bad_quote', 'field gender: text after the closing quote'],
    ['1,2,3,4,5,11,11,0,3,1,上\u0007海', 'control_character', 'field province: control character U+0007 at character 2'],
    ['1,2,3,4,5,11,11,0,3,1,' + 'x'.repeat(17), 'bad_province', 'field province: 17 bytes, more than 16'],
  ])('a row %j is refused with the stable code %s and words naming the field', (row, code, reason) => {
    expect(parse(row, 1)).toEqual({ ok: false, code, reason });
  });

  it('headers and bytes get their codes too', () => {
    expect(columnsFromHeader(['user_id', 'nope'])).toEqual(problem('bad_header', 'header has an unknown column "nope"'));
    expect(decodeRecord({ bytes: Buffer.from([0x31, 0xff]), line: 1 })).toMatchObject({ ok: false, code: 'undecodable' });
  });

  it('keeps the raw line, file and line number; invalid UTF-8 travels as base64', () => {
    const bytes = Buffer.from([0x31, 0xff, 0x32]);
    const letter = JSON.parse(fileDeadLetter('f.csv', 7, bytes, problem('undecodable', 'undecodable bytes: the line is not valid UTF-8'), 42).value.toString());
    expect(letter).toEqual({
      code: 'undecodable',
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
    const letter = JSON.parse(fileDeadLetter('f.csv', 1, bytes, problem('bad_province', 'field province: too long'), 0, 5000).value.toString());
    expect(Buffer.byteLength(letter.raw)).toBe(1023);
    expect(letter.raw).toBe('省'.repeat(341));
    expect({ rawBytes: letter.rawBytes, truncated: letter.truncated }).toEqual({ rawBytes: 5000, truncated: true });
    const long = JSON.parse(fileDeadLetter('f.csv', 1, Buffer.from('x'), problem('bad_province', 'r'.repeat(10_000)), 0).value.toString());
    expect(long.reason).toHaveLength(DEAD_LETTER_REASON_LIMIT);
  });
});
