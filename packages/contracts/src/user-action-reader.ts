import { accept, Decoded, reject } from './decode-result';
import { fieldError, USER_ACTION_FIELD_TABLE, userActionFromValues, type UserActionEvent } from './user-action-fields';

/**
 * Reads a user-action event straight from the bytes `encodeUserActionText` writes: the
 * table's fields in its order, integers, no whitespace, a province without escapes, and
 * checks each value against the table as it goes. Anything laid out otherwise (another
 * producer's spacing or field order, an escape, a fraction, a leading zero, a number past 15
 * digits, trailing bytes) returns undefined, and the caller parses the value as JSON instead.
 * For the bytes it accepts it decides what JSON.parse and the validator decide: the
 * aggregator decodes hundreds of thousands of events a second, and JSON.parse of the whole
 * object, with its string conversion first, was the largest share of its time.
 */
export function readCanonicalUserAction(bytes: Buffer): Decoded<UserActionEvent> | undefined {
  const r = new ByteReader(bytes);
  const values = new Array<number | string | null>(FIELDS.length);
  for (let i = 0; i < FIELDS.length; i += 1) {
    const field = FIELDS[i]!;
    if (!r.expect(PREFIXES[i]!)) return undefined;
    if (field.type === 'text') {
      const text = r.plainString();
      if (text === undefined) return undefined;
      values[i] = text;
    } else if (field.nullable && r.expect(NULL)) {
      values[i] = null;
    } else {
      const value = r.integer();
      if (value < 0) return undefined; // not a plain integer: let JSON.parse and the validator judge it
      if (value < field.min || value > field.max) return reject(`bad_${field.name}`, fieldError(field));
      values[i] = value;
    }
  }
  if (!r.atLastByte(CLOSE_BRACE)) return undefined;
  return accept(userActionFromValues(values));
}

const FIELDS = USER_ACTION_FIELD_TABLE;
/** `{"user_id":`, `,"item_id":`, …: what comes before each value */
const PREFIXES = FIELDS.map((field, i) => Buffer.from(`${i === 0 ? '{' : ','}"${field.name}":`));
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
