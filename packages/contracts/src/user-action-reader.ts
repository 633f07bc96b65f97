import type { UserActionEvent } from './user-action';

/**
 * Reads a user-action event straight from the bytes `encodeUserActionText` writes: the
 * fields in that order, integers, no whitespace, a province without escapes. Anything else
 * (another producer's spacing or field order, an escape, a fraction, a leading zero, a
 * number past 15 digits, trailing bytes) returns undefined, and the caller parses the value
 * as JSON instead. For the bytes it accepts it gives what JSON.parse gives: the aggregator
 * decodes hundreds of thousands of events a second, and JSON.parse of the whole object, with
 * its string conversion first, was the largest share of its time.
 */
export function readCanonicalUserAction(bytes: Buffer): UserActionEvent | undefined {
  const r = new ByteReader(bytes);
  if (!r.expect(PREFIX.user_id)) return undefined;
  const user_id = r.integer();
  if (user_id < 0 || !r.expect(PREFIX.item_id)) return undefined;
  const item_id = r.integer();
  if (item_id < 0 || !r.expect(PREFIX.cat_id)) return undefined;
  const cat_id = r.integer();
  if (cat_id < 0 || !r.expect(PREFIX.merchant_id)) return undefined;
  const merchant_id = r.integer();
  if (merchant_id < 0 || !r.expect(PREFIX.brand_id)) return undefined;
  let brand_id: number | null = null;
  if (!r.expect(NULL)) {
    brand_id = r.integer();
    if (brand_id < 0) return undefined;
  }
  if (!r.expect(PREFIX.month)) return undefined;
  const month = r.integer();
  if (month < 0 || !r.expect(PREFIX.day)) return undefined;
  const day = r.integer();
  if (day < 0 || !r.expect(PREFIX.action)) return undefined;
  const action = r.integer();
  if (action < 0 || !r.expect(PREFIX.age_range)) return undefined;
  const age_range = r.integer();
  if (age_range < 0 || !r.expect(PREFIX.gender)) return undefined;
  const gender = r.integer();
  if (gender < 0 || !r.expect(PREFIX.province)) return undefined;
  const province = r.plainString();
  if (province === undefined || !r.expect(PREFIX.ts)) return undefined;
  const ts = r.integer();
  if (ts < 0 || !r.expect(PREFIX.line)) return undefined;
  const line = r.integer();
  if (line < 0 || !r.atLastByte(CLOSE_BRACE)) return undefined;
  return {
    user_id, item_id, cat_id, merchant_id, brand_id, month, day,
    action: action as UserActionEvent['action'], age_range, gender: gender as UserActionEvent['gender'],
    province, ts, line,
  };
}

const FIELD_ORDER = [
  'user_id', 'item_id', 'cat_id', 'merchant_id', 'brand_id', 'month', 'day', 'action', 'age_range', 'gender',
  'province', 'ts', 'line',
] as const satisfies readonly (keyof UserActionEvent)[];

/** `{"user_id":`, `,"item_id":`, …: what comes before each value */
const PREFIX = Object.fromEntries(
  FIELD_ORDER.map((name, i) => [name, Buffer.from(`${i === 0 ? '{' : ','}"${name}":`)]),
) as Record<(typeof FIELD_ORDER)[number], Buffer>;
const NULL = Buffer.from('null');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
const ZERO = 0x30;
const NINE = 0x39;
const MAX_DIGITS = 15; // every 15-digit integer is exact as a Number

/** A position in the bytes and the three things the layout is made of. */
class ByteReader {
  private at = 0;

  constructor(private readonly bytes: Buffer) {}

  /** Steps over `literal` if it comes next. */
  expect(literal: Buffer): boolean {
    const { bytes, at } = this;
    if (at + literal.length > bytes.length) return false;
    for (let i = 0; i < literal.length; i += 1) if (bytes[at + i] !== literal[i]) return false;
    this.at += literal.length;
    return true;
  }

  /** A JSON non-negative integer as JSON.parse reads it (no leading zero); -1 otherwise. */
  integer(): number {
    const { bytes } = this;
    const start = this.at;
    let value = 0;
    let at = start;
    for (; at < bytes.length; at += 1) {
      const byte = bytes[at]!;
      if (byte < ZERO || byte > NINE) break;
      value = value * 10 + (byte - ZERO);
    }
    this.at = at;
    const digits = at - start;
    if (digits === 0 || digits > MAX_DIGITS || (digits > 1 && bytes[start] === ZERO)) return -1;
    return value;
  }

  /** A JSON string without escapes or control characters, decoded as UTF-8; undefined otherwise. */
  plainString(): string | undefined {
    const { bytes } = this;
    if (bytes[this.at] !== QUOTE) return undefined;
    const start = this.at + 1;
    for (let i = start; i < bytes.length; i += 1) {
      const byte = bytes[i]!;
      if (byte === QUOTE) {
        this.at = i + 1;
        return bytes.toString('utf8', start, i);
      }
      if (byte === BACKSLASH || byte < 0x20) return undefined;
    }
    return undefined;
  }

  /** True when `byte` is next and nothing follows it. */
  atLastByte(byte: number): boolean {
    return this.at === this.bytes.length - 1 && this.bytes[this.at] === byte;
  }
}
