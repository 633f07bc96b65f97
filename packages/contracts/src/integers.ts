/**
 * How every reader of the contracts' integer fields reads one: decimal digits only, at most
 * 15 of them (every 15-digit integer is exact as a Number), as bytes or as text. One rule,
 * one place: the producer's two row readers and the aggregator's event reader agree on what
 * an integer is because they call these.
 */
export const MAX_INTEGER_DIGITS = 15;

/** What the readers return for anything that is not such an integer (never a valid value). */
export const NOT_AN_INTEGER = -1;

const SPACE = 0x20;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * The non-negative integer bytes[start, end) spell, spaces around the digits allowed (a CSV
 * field); NOT_AN_INTEGER for anything else. Runs for every integer field of every row the
 * producer reads: no allocation, no string.
 */
export function integerIn(bytes: Uint8Array, start: number, end: number): number {
  while (start < end && bytes[start] === SPACE) start += 1;
  while (end > start && bytes[end - 1] === SPACE) end -= 1;
  if (end === start || end - start > MAX_INTEGER_DIGITS) return NOT_AN_INTEGER;
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const digit = bytes[i]! - ZERO;
    if (digit < 0 || digit > 9) return NOT_AN_INTEGER;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The same for text[start, end). Only for rows the byte reader hands back (quoted fields, a
 * problem to name): it reads the field's UTF-8 bytes with `integerIn`, so both readers keep
 * one rule; a character outside ASCII is never a digit or a space there either.
 */
export function integerInText(text: string, start: number, end: number): number {
  const bytes = Buffer.from(text.slice(start, end), 'utf8');
  return integerIn(bytes, 0, bytes.length);
}

/** Where the run of digits that starts at `start` ends (`start` itself when there is none). */
export function digitsEnd(bytes: Uint8Array, start: number): number {
  let at = start;
  while (at < bytes.length && bytes[at]! >= ZERO && bytes[at]! <= NINE) at += 1;
  return at;
}

/** Whether bytes[start, end) is a number JSON would not write: digits with a leading zero ("007"). */
export function hasLeadingZero(bytes: Uint8Array, start: number, end: number): boolean {
  return end - start > 1 && bytes[start] === ZERO;
}
