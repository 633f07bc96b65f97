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

  constructor(
    /** the keys, a row each */
    private readonly keys: readonly string[],
    /** numbers per row: the count, then a number per cell */
    readonly width: number,
    /** `width` per row */
    private readonly numbers: Float64Array,
  ) {}

  get size(): number {
    return this.keys.length;
  }

  keyAt(row: number): string {
    return this.keys[row]!;
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
 * A window's cells hash as READ_WINDOWS read it, as bytes (flat key, packed cells pairs: the
 * key's count, then its cells), into a CellTable. A set cell's value is its size (estimated
 * once a HyperLogLog). Read as bytes, where the packed lengths are (Redis counts bytes): as
 * text, every packed value was decoded from UTF-8 and searched for other characters first, a
 * sixth of the emitter's time in a stats catch-up (docs/benchmarks.md, session 29). Numbers are
 * read where they are, without a substring each (session 25).
 */
export function readCells(flat: readonly Buffer[], cells: readonly CellSpec[]): ReadCells {
  const counts = keyedRecord<number>();
  const width = cells.length + 1;
  const keys = new Array<string>(flat.length >> 1);
  const numbers = new Float64Array(keys.length * width).fill(NaN);
  const hyperLogLogs: string[] = [];
  for (let f = 0, row = 0; f + 1 < flat.length; f += 2, row += 1) {
    const key = flat[f]!.toString();
    const packed = flat[f + 1]!;
    const at = row * width;
    keys[row] = key;
    // `<bytes>:<text>` per part: the count first, then each cell in the job's order
    let colon = colonAt(packed, 0);
    let pos = colon + 1 + integerAt(packed, 0, colon);
    if (pos > colon + 1) numbers[at] = counts[key] = integerAt(packed, colon + 1, pos);
    for (let c = 0; c < cells.length; c += 1) {
      colon = colonAt(packed, pos);
      const start = colon + 1;
      pos = Math.min(start + integerAt(packed, pos, colon), packed.length);
      if (pos === start) continue; // no value yet
      const cell = cells[c]!;
      let value: number;
      if (cell.op !== 'hll') value = integerAt(packed, start, pos);
      else if (packed[start] === STAR) {
        value = integerAt(packed, start + 1, pos);
        hyperLogLogs.push(`${cell.name}|${key}`);
      } else value = setSize(packed, start, pos);
      numbers[at + 1 + c] = Number.isSafeInteger(value) ? value : Infinity;
    }
  }
  return { counts, table: new CellTable(keys, width, numbers), hyperLogLogs };
}

const COLON = 0x3a;
const STAR = 0x2a;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * The number written in bytes[from, to), as Number() reads its text: digits (after a '-') read
 * where they are; anything else, or more digits than are always exact, through Number().
 */
export function integerAt(bytes: Buffer, from: number, to: number): number {
  if (to - from > 15) return Number(bytes.toString('latin1', from, to));
  let at = from;
  const negative = bytes[at] === MINUS;
  if (negative) at += 1;
  if (negative && at === to) return NaN; // '-' alone
  let n = 0;
  for (; at < to; at += 1) {
    const digit = bytes[at]! - ZERO;
    if (digit < 0 || digit > 9) return Number(bytes.toString('latin1', from, to));
    n = n * 10 + digit;
  }
  return negative ? -n : n;
}

/** Where the next ':' is from `from` on (-1: none); a length before it is a few digits, so a loop beats a native call. */
function colonAt(bytes: Buffer, from: number): number {
  for (let i = from; i < bytes.length; i += 1) if (bytes[i] === COLON) return i;
  return -1;
}

/** How many elements a set cell's bytes (bytes[from, to)) hold: `<bytes>:<element>` each. */
function setSize(bytes: Buffer, from: number, to: number): number {
  let n = 0;
  for (let pos = from; pos < to; n += 1) {
    const colon = colonAt(bytes, pos);
    if (colon < 0 || colon >= to) break;
    const length = integerAt(bytes, pos, colon);
    if (!(length >= 0)) break; // not a length (the hash is not as this code writes it): no hanging on it
    pos = colon + 1 + length;
  }
  return n;
}
