import type { CellOp } from '../aggregates/aggregate';
import type { WindowDelta } from '../windowing/batch-aggregator';
import { keyedRecord } from '../windowing/keyed-record';
import { SMALL_SET_MAX } from './cell-scripts';

/** A state cell as the state layer needs it: where it is kept and how it folds. */
export interface CellSpec {
  name: string;
  op: CellOp;
}

/**
 * The deltas as CHECKPOINT_BATCH reads them: one flat JSON array (see there). Window starts
 * and ends travel as strings, kept exact whatever Lua does with numbers. A key that is not
 * well-formed UTF-16 (a lone surrogate, possible in a JSON string) is written as Redis always
 * stored it, with U+FFFD in its place: cjson refuses the escape JSON.stringify would write.
 * Written as text straight away: a catch-up call packs hundreds of thousands of keys, and an
 * array of them to stringify was 8% of a stats catch-up's allocations (docs/benchmarks.md).
 * A key's cells go packed as the cells hash keeps them (state/cell-scripts.ts), so that a key
 * new to its window is written as it comes.
 */
export function packDeltas(deltas: Iterable<WindowDelta>, jobs: readonly string[], cells?: ReadonlyMap<string, readonly CellSpec[]>): string {
  const index = new Map(jobs.map((job, i) => [job, i]));
  let text = '';
  for (const delta of deltas) {
    const job = index.get(delta.job);
    if (job === undefined) throw new Error(`a delta of job ${delta.job}, which this topic's checkpoint does not list`);
    text += `,${job},"${delta.windowStart}","${delta.windowEnd === null ? '+inf' : delta.windowEnd}",${delta.counts.size}`;
    delta.counts.forEach((count, key) => (text += `,${quoted(key)},"${count}"`));
    if ((cells?.get(delta.job)?.length ?? 0) > 0) text += packedCellsOf(delta);
  }
  return `[${text.slice(1)}]`;
}

/** A window's cells as CHECKPOINT_BATCH takes them: M, then per key with a value M x (key, its cells packed, 1 if a set is past SMALL_SET_MAX else 0). */
function packedCellsOf(delta: WindowDelta): string {
  const list = delta.cells ?? [];
  let text = '';
  let m = 0;
  delta.counts.forEach((_, key) => {
    let packed = '';
    let any = false;
    let big = 0;
    for (const cell of list) {
      const value = cell.get(key);
      if (value === undefined) packed += '0:';
      else {
        any = true;
        // a number as its text (see CHECKPOINT_BATCH: never an exponent), a set as its elements
        const cellText = typeof value === 'number' ? String(value) : setText(value);
        if (typeof value !== 'number' && value.size > SMALL_SET_MAX) big = 1;
        packed += `${Buffer.byteLength(cellText)}:${cellText}`;
      }
    }
    if (!any) return;
    m += 1;
    text += `,${quoted(key)},${JSON.stringify(packed)},${big}`;
  });
  return `,${m}${text}`;
}

const quoted = (key: string) => JSON.stringify(wellFormed(key));

/** A set's elements as a set cell keeps them: `<bytes>:<element>` each. */
function setText(elements: ReadonlySet<string>): string {
  let text = '';
  elements.forEach((element) => {
    const e = wellFormed(element);
    text += `${Buffer.byteLength(e)}:${e}`;
  });
  return text;
}

const wellFormed = (key: string) => (key.isWellFormed() ? key : key.toWellFormed());

/** A window's cells as READ_WINDOWS gives them, per cell (in `cells`' order) key -> value. */
export interface ReadCells {
  /** a number, or 'overflow' where a sum left Redis's range; a set cell: its size (estimated once a HyperLogLog) */
  values: Record<string, number | 'overflow'>[];
  /** the fields (`<cell>|<key>`) whose set is a HyperLogLog: a key of its own, expired with the window */
  hyperLogLogs: string[];
}

/** A window's cells hash as READ_WINDOWS read it (flat key, packed cells pairs). */
export function readCells(flat: readonly string[], cells: readonly CellSpec[]): ReadCells {
  const values = cells.map(() => keyedRecord<number | 'overflow'>());
  const hyperLogLogs: string[] = [];
  for (let f = 0; f < flat.length; f += 2) {
    const key = flat[f]!;
    const packed = flat[f + 1]!;
    const ascii = !NON_ASCII.test(packed);
    let pos = 0;
    cells.forEach((cell, c) => {
      const colon = packed.indexOf(':', pos);
      const start = colon + 1;
      pos = endOf(packed, start, Number(packed.slice(pos, colon)), ascii);
      if (pos === start) return; // no value yet
      const text = packed.slice(start, pos);
      if (cell.op !== 'hll') {
        const n = Number(text);
        values[c]![key] = Number.isSafeInteger(n) ? n : 'overflow';
      } else if (text.startsWith('*')) {
        values[c]![key] = Number(text.slice(1));
        hyperLogLogs.push(`${cell.name}|${key}`);
      } else values[c]![key] = setSize(text, ascii);
    });
  }
  return { values, hyperLogLogs };
}

// eslint-disable-next-line no-control-regex -- the ASCII range, control characters included
const NON_ASCII = /[^\x00-\x7f]/;

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

/** How many elements a set cell's text holds. */
function setSize(text: string, ascii: boolean): number {
  let n = 0;
  for (let pos = 0; pos < text.length; n += 1) {
    const colon = text.indexOf(':', pos);
    pos = endOf(text, colon + 1, Number(text.slice(pos, colon)), ascii);
  }
  return n;
}
