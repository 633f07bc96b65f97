import { accept, Decoded, reject } from './decode-result';
import { digitsEnd, hasLeadingZero, integerIn, NOT_AN_INTEGER } from './integers';
import { fieldError, USER_ACTION_FIELD_TABLE, userActionFromValues, type UserActionEvent } from './user-action-fields';

/**
 * Reads a user-action event straight from the bytes `encodeUserActionText` writes: the
 * table's fields in its order, integers, no whitespace, a province without escapes, and
 * checks each value against the table as it goes. Anything laid out otherwise (another
 * producer's spacing or field order, an escape, a fraction, a leading zero, a number past 15
 * digits, trailing bytes) returns undefined, and the caller parses the value as JSON instead.
 * For the bytes it accepts it decides what JSON.parse and the validator decide: the
 * aggregator decodes hundreds of thousands of events a second, and JSON.parse of the whole
 * object, with its string conversion first, would be the largest share of its time.
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
      if (value === NOT_AN_INTEGER) return undefined; // not a plain integer: let JSON.parse and the validator judge it
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

  /** A JSON non-negative integer as JSON.parse reads it (no leading zero); NOT_AN_INTEGER otherwise. */
  integer(): number {
    const start = this.at;
    const end = digitsEnd(this.bytes, start);
    this.at = end;
    return hasLeadingZero(this.bytes, start, end) ? NOT_AN_INTEGER : integerIn(this.bytes, start, end);
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
