import { digitsEnd, hasLeadingZero, integerIn, integerInText, MAX_INTEGER_DIGITS, NOT_AN_INTEGER } from '../src';

/** A CSV field, and the integer both row readers must read from it. */
const FIELDS: [string, number][] = [
  ['0', 0],
  ['42', 42],
  ['  42 ', 42],
  ['007', 7], // a CSV field may have leading zeros; JSON may not (below)
  ['9'.repeat(MAX_INTEGER_DIGITS), 999_999_999_999_999],
  ['9'.repeat(MAX_INTEGER_DIGITS + 1), NOT_AN_INTEGER], // past 15 digits a Number is no longer exact
  ['', NOT_AN_INTEGER],
  ['   ', NOT_AN_INTEGER],
  ['-1', NOT_AN_INTEGER],
  ['+1', NOT_AN_INTEGER],
  ['1.5', NOT_AN_INTEGER],
  ['1e3', NOT_AN_INTEGER],
  ['4 2', NOT_AN_INTEGER],
  ['٤٢', NOT_AN_INTEGER], // Arabic-Indic digits are not decimal digits here
  ['\u0130', NOT_AN_INTEGER], // a character whose low byte is the digit 0
  ['4\t', NOT_AN_INTEGER],
];

describe('integers: one rule for every reader', () => {
  it.each(FIELDS)('the byte and the text reader agree on %j', (field, expected) => {
    const padded = `x,${field},y`;
    const bytes = Buffer.from(padded, 'utf8');
    const fieldStart = 2;
    expect(integerIn(bytes, fieldStart, bytes.length - 2)).toBe(expected);
    expect(integerInText(padded, fieldStart, padded.length - 2)).toBe(expected);
  });

  it('finds the run of digits a JSON number is made of, and its leading zero', () => {
    const bytes = Buffer.from('{"a":1234,"b":007}');
    expect(digitsEnd(bytes, 5)).toBe(9);
    expect(digitsEnd(bytes, 4)).toBe(4); // ':' starts no run
    expect(hasLeadingZero(bytes, 5, 9)).toBe(false);
    expect(hasLeadingZero(bytes, 15, digitsEnd(bytes, 15))).toBe(true);
    expect(hasLeadingZero(Buffer.from('0'), 0, 1)).toBe(false); // zero itself is fine
  });
});
