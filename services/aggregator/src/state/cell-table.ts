import { keyedRecord } from '../windowing/keyed-record';
import type { CellSpec } from './state-encoding';

/**
 * A window's cells as READ_WINDOWS read them: per key, in the order Redis gave them, a row of
 * numbers (its count, then each cell's value in the job's cell order), every row in one
 * Float64Array. The emitter reads every cell of every final window: a record per cell keyed by
 * key (as this was before) was 12% of a stats catch-up's allocations, each key hashed once per
 * cell (docs/benchmarks.md, session 29). In the array NaN is no value (a cell the key has not
 * had yet) and Infinity a value past Redis's exact range ('overflow'): cells hold integers
 * (fixed point, see aggregates/fixed-point.ts), so neither can be one.
 */
export class CellTable {
  private rows?: Map<string, number>;

  /** `flat`: the cells hash as READ_WINDOWS read it (key, packed cells, …); `numbers`: `width` per key. */
  constructor(
    private readonly flat: readonly string[],
    /** numbers per row: the count, then a number per cell */
    readonly width: number,
    private readonly numbers: Float64Array,
  ) {}

  get size(): number {
    return this.flat.length / 2;
  }

  keyAt(row: number): string {
    return this.flat[2 * row]!;
  }

  /** The key's count; undefined when its cells have none. */
  countAt(row: number): number | undefined {
    return valueOf(this.numbers[row * this.width]!) as number | undefined;
  }

  /** The value of the `cell`th cell (the job's cell order) of the key in `row`. */
  valueAt(row: number, cell: number): number | 'overflow' | undefined {
    return valueOf(this.numbers[row * this.width + 1 + cell]!);
  }

  /** The row of `key`; undefined when the window has none. A map built the first time: only a result folding keys asks. */
  rowOf(key: string): number | undefined {
    if (!this.rows) {
      this.rows = new Map();
      for (let row = 0; row < this.size; row += 1) this.rows.set(this.keyAt(row), row);
    }
    return this.rows.get(key);
  }

  /** Per cell, key -> value, the keys with none left out: the table as tests and readers compare it. */
  byCell(): Record<string, number | 'overflow'>[] {
    const records = Array.from({ length: this.width - 1 }, () => keyedRecord<number | 'overflow'>());
    for (let row = 0; row < this.size; row += 1)
      for (let cell = 0; cell < records.length; cell += 1) {
        const value = this.valueAt(row, cell);
        if (value !== undefined) records[cell]![this.keyAt(row)] = value;
      }
    return records;
  }
}

const valueOf = (n: number): number | 'overflow' | undefined => (n !== n ? undefined : n === Infinity ? 'overflow' : n);

/** A window's cells read: each key's count (the result's counts), the table, and its HyperLogLogs. */
export interface ReadCells {
  /** each key's count (COUNT_CELL) */
  counts: Record<string, number>;
  table: CellTable;
  /** the fields (`<cell>|<key>`) whose set is a HyperLogLog: a key of its own, expired with the window */
  hyperLogLogs: string[];
}

/**
 * A window's cells hash as READ_WINDOWS read it (flat key, packed cells pairs: the key's count,
 * then its cells), into a CellTable. A set cell's value is its size (estimated once a
 * HyperLogLog). Its numbers are read where they are, without a substring each (with a
 * substring per cell and a closure per key, a tenth of a stats catch-up's allocations:
 * docs/benchmarks.md, session 25).
 */
export function readCells(flat: readonly string[], cells: readonly CellSpec[]): ReadCells {
  const counts = keyedRecord<number>();
  const width = cells.length + 1;
  const numbers = new Float64Array((flat.length / 2) * width).fill(NaN);
  const hyperLogLogs: string[] = [];
  for (let f = 0, at = 0; f < flat.length; f += 2, at += width) {
    const key = flat[f]!;
    const packed = flat[f + 1]!;
    const ascii = !NON_ASCII.test(packed);
    // the count: digits only (ASCII), so its length in bytes is its length
    let colon = packed.indexOf(':');
    let pos = colon + 1 + integerAt(packed, 0, colon);
    if (pos > colon + 1) numbers[at] = counts[key] = integerAt(packed, colon + 1, pos);
    for (let c = 0; c < cells.length; c += 1) {
      colon = packed.indexOf(':', pos);
      const start = colon + 1;
      pos = Math.min(endOf(packed, start, integerAt(packed, pos, colon), ascii), packed.length);
      if (pos === start) continue; // no value yet
      const cell = cells[c]!;
      let value: number;
      if (cell.op !== 'hll') value = integerAt(packed, start, pos);
      else if (packed.charCodeAt(start) === STAR) {
        value = integerAt(packed, start + 1, pos);
        hyperLogLogs.push(`${cell.name}|${key}`);
      } else value = setSize(packed, start, pos, ascii);
      numbers[at + 1 + c] = Number.isSafeInteger(value) ? value : Infinity;
    }
  }
  return { counts, table: new CellTable(flat, width, numbers), hyperLogLogs };
}

// eslint-disable-next-line no-control-regex -- the ASCII range, control characters included
const NON_ASCII = /[^\x00-\x7f]/;
const STAR = 0x2a;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * The number written in text[from, to), as Number() reads it: digits (after a '-') read where
 * they are; anything else, or more digits than are always exact, through Number().
 */
export function integerAt(text: string, from: number, to: number): number {
  if (to - from > 15) return Number(text.slice(from, to));
  let at = from;
  const negative = text.charCodeAt(at) === MINUS;
  if (negative) at += 1;
  if (negative && at === to) return NaN; // '-' alone
  let n = 0;
  for (; at < to; at += 1) {
    const digit = text.charCodeAt(at) - ZERO;
    if (digit < 0 || digit > 9) return Number(text.slice(from, to));
    n = n * 10 + digit;
  }
  return negative ? -n : n;
}

/** Where a text's part of `bytes` UTF-8 bytes from `start` ends: lengths in the cells hash are Redis's, in bytes. */
function endOf(text: string, start: number, bytes: number, ascii: boolean): number {
  if (ascii) return start + bytes;
  let at = start;
  for (let left = bytes; left > 0;) {
    const code = text.charCodeAt(at);
    const surrogate = code >= 0xd800 && code <= 0xdbff;
    left -= code < 0x80 ? 1 : code < 0x800 ? 2 : surrogate ? 4 : 3;
    at += surrogate ? 2 : 1;
  }
  return at;
}

/** How many elements a set cell's text (text[from, to)) holds. */
function setSize(text: string, from: number, to: number, ascii: boolean): number {
  let n = 0;
  for (let pos = from; pos < to; n += 1) {
    const colon = text.indexOf(':', pos);
    if (colon < 0) break;
    pos = endOf(text, colon + 1, integerAt(text, pos, colon), ascii);
  }
  return n;
}
