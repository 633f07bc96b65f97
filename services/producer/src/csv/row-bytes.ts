import { isUtf8 } from 'node:buffer';
import { integerIn, NOT_AN_INTEGER } from '@streamtally/contracts';
import type { UserLogColumn } from './user-log-row';
import { FIELDS, INTEGER_BOUNDS, KIND, LINE, NOT_IN_CSV, NULLABLE, TEXT, TS, WHEN_BLANK } from './field-kinds';

/**
 * The common row, from its CSV bytes straight to the event's key and JSON bytes, with no
 * string in between: decoding each row to text, cutting its fields, building the JSON text
 * and encoding it to UTF-8 again made more than half of the replay's garbage and CPU
 * (docs/benchmarks.md). It takes only rows it can decide alone: strict UTF-8, unquoted,
 * the right number of fields, every integer plain digits in range or a blank that stands for
 * unknown, a province that needs no trimming or escaping. Every other row, good or bad, is
 * left to the text parser (user-log-row.ts), which gives its value or names its problem; for
 * the rows taken, the bytes equal what the text parser and `encodeUserActionText` give
 * (row-bytes.test.ts holds this on seeded dirty files).
 */
export class RowBytes {
  /** the encoded key then value, after `encode` */
  readonly out: Buffer;
  keyBytes = 0;
  valueBytes = 0;

  private readonly columnOf: Int32Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  /** per table field: its integer (NaN for null) */
  private readonly values = new Float64Array(FIELDS.length);
  private textStart = 0;
  private textEnd = 0;
  private source: Buffer = EMPTY;

  constructor(
    columns: readonly UserLogColumn[],
    private readonly maxFieldBytes: number,
    maxRowBytes: number,
  ) {
    this.columnOf = Int32Array.from(FIELDS, (f) => columns.indexOf(f.name));
    this.starts = new Int32Array(columns.length);
    this.ends = new Int32Array(columns.length);
    // every field of the row at most doubled ("" around text, digits of an id never longer
    // than the id), plus the names, the event time and the line
    this.out = Buffer.allocUnsafe(2 * maxRowBytes + PREFIX_BYTES + 3 * MAX_DIGITS);
  }

  get month(): number {
    return this.values[MONTH]!;
  }

  get day(): number {
    return this.values[DAY]!;
  }

  /** Reads a row; false when the text parser must decide it. */
  parse(bytes: Buffer): boolean {
    if (bytes.indexOf(QUOTE) !== -1 || !this.locate(bytes) || !isUtf8(bytes)) return false;
    for (let i = 0; i < FIELDS.length; i += 1) {
      const kind = KIND[i];
      if (kind === NOT_IN_CSV) continue;
      const column = this.columnOf[i]!;
      const start = this.starts[column]!;
      const end = this.ends[column]!;
      if (kind === TEXT) {
        if (!this.plainText(bytes, start, end)) return false;
        continue;
      }
      const value = integerIn(bytes, start, end);
      if (value !== NOT_AN_INTEGER) {
        if (value < INTEGER_BOUNDS.min[i]! || value > INTEGER_BOUNDS.max[i]!) return false;
        this.values[i] = value;
      } else if (!blank(bytes, start, end)) return false;
      else if (kind === NULLABLE) this.values[i] = NaN;
      else if (!Number.isNaN(WHEN_BLANK[i])) this.values[i] = WHEN_BLANK[i]!;
      else return false;
    }
    this.source = bytes;
    return true;
  }

  /** Writes the parsed row's key and JSON value, with its event time and line, into `out`; returns their bytes. */
  encode(ts: number, line: number): number {
    const out = this.out;
    this.values[TS] = ts;
    this.values[LINE] = line;
    this.keyBytes = writeInteger(out, 0, this.values[USER_ID]!);
    let at = this.keyBytes;
    for (let i = 0; i < FIELDS.length; i += 1) {
      at += PREFIXES[i]!.copy(out, at);
      if (KIND[i] === TEXT) {
        out[at++] = QUOTE;
        at += this.source.copy(out, at, this.textStart, this.textEnd);
        out[at++] = QUOTE;
      } else if (Number.isNaN(this.values[i])) at += NULL.copy(out, at);
      else at += writeInteger(out, at, this.values[i]!);
    }
    out[at++] = CLOSE_BRACE;
    this.valueBytes = at - this.keyBytes;
    return at;
  }

  /** Finds the fields between commas; false unless there are as many as columns. */
  private locate(bytes: Buffer): boolean {
    const count = this.starts.length;
    let fields = 0;
    let start = 0;
    for (let comma = bytes.indexOf(COMMA); comma !== -1; comma = bytes.indexOf(COMMA, start)) {
      if (fields === count) return false;
      this.starts[fields] = start;
      this.ends[fields] = comma;
      fields += 1;
      start = comma + 1;
    }
    if (fields !== count - 1) return false;
    this.starts[fields] = start;
    this.ends[fields] = bytes.length;
    return true;
  }

  /** A province the JSON carries as it is: within its size, nothing to trim, escape or refuse. */
  private plainText(bytes: Buffer, start: number, end: number): boolean {
    if (end === start || end - start > this.maxFieldBytes) return false;
    if (!plainLead(bytes[start]!, bytes[start + 1]!) || !plainLast(bytes, start, end)) return false;
    for (let i = start; i < end; i += 1) {
      const byte = bytes[i]!;
      // control characters (C0, DEL, and C1 as 0xC2 0x80-0x9F), and the backslash JSON escapes
      if (byte < 0x20 || byte === 0x7f || byte === BACKSLASH || (byte === 0xc2 && bytes[i + 1]! < 0xa0)) return false;
    }
    this.textStart = start;
    this.textEnd = end;
    return true;
  }
}

const EMPTY = Buffer.alloc(0);
const MAX_DIGITS = 16;
const COMMA = 0x2c;
const QUOTE = 0x22;
const SPACE = 0x20;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
const NULL = Buffer.from('null');
const USER_ID = FIELDS.findIndex((f) => f.name === 'user_id');
const MONTH = FIELDS.findIndex((f) => f.name === 'month');
const DAY = FIELDS.findIndex((f) => f.name === 'day');
/** `{"user_id":`, `,"item_id":`, …: what `encodeUserActionText` puts before each value */
const PREFIXES = FIELDS.map((f, i) => Buffer.from(`${i === 0 ? '{' : ','}"${f.name}":`));
const PREFIX_BYTES = PREFIXES.reduce((sum, p) => sum + p.length, 1);

function blank(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) if (bytes[i] !== SPACE) return false;
  return true;
}

/** Writes a non-negative integer's decimal digits, as `String(value)` would; returns how many. */
function writeInteger(out: Buffer, at: number, value: number): number {
  let length = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) length += 1;
  let rest = value;
  for (let i = at + length - 1; i >= at; i -= 1) {
    out[i] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return length;
}

/**
 * Whether a character starting with these bytes can be neither whitespace that `trim` would
 * remove nor anything else the text parser treats apart: printable ASCII but the space, or a
 * UTF-8 lead byte whose characters hold no Unicode space (spaces live under 0xC2 0xA0, 0xE1,
 * 0xE2, 0xE3 and 0xEF; the CJK provinces are under 0xE4-0xE9).
 */
function plainLead(lead: number, next: number): boolean {
  if (lead > SPACE && lead < 0x7f) return true;
  if (lead === 0xc2) return next > 0xa0;
  return (lead >= 0xc3 && lead <= 0xdf) || (lead >= 0xe4 && lead <= 0xee) || (lead >= 0xf0 && lead <= 0xf4);
}

/** The last character of bytes[start, end): found by stepping back over continuation bytes. */
function plainLast(bytes: Buffer, start: number, end: number): boolean {
  let lead = end - 1;
  while (lead > start && (bytes[lead]! & 0xc0) === 0x80) lead -= 1;
  return plainLead(bytes[lead]!, bytes[lead + 1]!);
}
