/**
 * JSON text written straight into a growing byte buffer, as UTF-8. A checkpoint call's deltas
 * (state-encoding.ts) are hundreds of thousands of short keys and numbers: written as a string
 * of pieces, then that string as UTF-8 onto the socket, they were the largest share of a stats
 * catch-up's allocations (docs/benchmarks.md, session 25).
 */
export class JsonBytes {
  private buffer: Buffer;
  private at = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** How many bytes are written. */
  get length(): number {
    return this.at;
  }

  /** Forgets what was written from `length` on (a part written, then found not to be wanted). */
  truncate(length: number): void {
    this.at = Math.min(this.at, length);
  }

  /** One ASCII character, by its code. */
  char(code: number): this {
    this.room(1);
    this.buffer[this.at++] = code;
    return this;
  }

  /** ASCII text that needs no escaping (punctuation, digits), as it is. */
  ascii(text: string): this {
    this.room(text.length);
    if (text.length > LONG) this.at += this.buffer.write(text, this.at, 'latin1');
    else for (let i = 0; i < text.length; i += 1) this.buffer[this.at++] = text.charCodeAt(i);
    return this;
  }

  /** A number's text: a safe integer's digits written here, any other number as String() writes it. */
  number(n: number): this {
    if (!Number.isSafeInteger(n)) return this.ascii(String(n));
    if (n < 0) {
      this.char(MINUS);
      n = -n;
    }
    const digits = digitCount(n);
    this.room(digits);
    const buffer = this.buffer;
    let i = this.at + digits - 1;
    // below 2^31 in int32 arithmetic (a tenth by `| 0`): a catch-up's checkpoint writes a few
    // numbers per key, nearly all small, and floor-and-modulo on doubles was most of this
    for (; n > 0x7fffffff; i -= 1) {
      const tenth = Math.floor(n / 10);
      buffer[i] = ZERO + (n - tenth * 10);
      n = tenth;
    }
    for (; i >= this.at; i -= 1) {
      const tenth = (n / 10) | 0;
      buffer[i] = ZERO + (n - tenth * 10);
      n = tenth;
    }
    this.at += digits;
    return this;
  }

  /**
   * Room for a non-negative integer of up to `digits` digits, known only later (fill): spaces
   * for now, which JSON takes between a value and what follows. Returns where it is.
   */
  reserve(digits: number): number {
    this.room(digits);
    this.buffer.fill(SPACE, this.at, this.at + digits);
    this.at += digits;
    return this.at - digits;
  }

  /** Writes `n` into the room of `digits` reserved at `at`; the spaces after its digits stay. */
  fill(at: number, digits: number, n: number): void {
    if (n < 0 || numberLength(n) > digits) throw new Error(`${n} does not fit the room of ${digits} digits reserved for it`);
    const end = this.at;
    this.at = at;
    this.number(n);
    this.at = end;
  }

  /** A string as a JSON string, quotes included. */
  string(text: string): this {
    return this.char(QUOTE).stringPart(text).char(QUOTE);
  }

  /** A string's part of a JSON string: escaped as JSON.stringify would, without the quotes. */
  stringPart(text: string): this {
    if (PLAIN.test(text)) return this.ascii(text);
    const escaped = JSON.stringify(text);
    this.room(escaped.length * 3); // at most three UTF-8 bytes per UTF-16 unit
    this.at += this.buffer.write(escaped.slice(1, -1), this.at, 'utf8');
    return this;
  }

  /** The text written, shared with the writer: valid until it is written to again. */
  view(): Buffer {
    return this.buffer.subarray(0, this.at);
  }

  /** Appends what another writer holds. */
  append(other: JsonBytes): this {
    this.room(other.at);
    other.buffer.copy(this.buffer, this.at, 0, other.at);
    this.at += other.at;
    return this;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}

/** How many digits a non-negative integer has (compared with powers of ten, exact up to 10^22: no division). */
export function digitCount(n: number): number {
  let digits = 1;
  for (let power = 10; n >= power; power *= 10) digits += 1;
  return digits;
}

/** How many characters number() writes for `n`. */
export function numberLength(n: number): number {
  if (!Number.isSafeInteger(n)) return String(n).length;
  return n < 0 ? digitCount(-n) + 1 : digitCount(n);
}

/** How many bytes a string takes as UTF-8 (a lone surrogate as the three of U+FFFD, as Buffer.byteLength counts it). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a pair: four bytes for two units
      i += 1;
    } else bytes += 2;
  }
  return bytes;
}

/** Printable ASCII but the quote and the backslash: written as it is inside a JSON string. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** from this length on, one native write beats a loop */
const LONG = 32;
const QUOTE = 0x22;
const SPACE = 0x20;
const MINUS = 0x2d;
const ZERO = 0x30;
