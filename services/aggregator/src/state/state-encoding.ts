import type { CellOp } from '../aggregates/aggregate';
import type { WindowDelta } from '../windowing/batch-aggregator';
import { type Elements, forEachElement, sizeOf } from '../windowing/cell-fold';
import { keyedRecord } from '../windowing/keyed-record';
import { cellFrom, countFrom, seenBefore } from './merge-deltas';
import { SMALL_SET_MAX } from './cell-scripts';

/** A state cell as the state layer needs it: where it is kept and how it folds. */
export interface CellSpec {
  name: string;
  op: CellOp;
}

/**
 * The deltas as CHECKPOINT_BATCH reads them: one flat JSON array (see there), a window per
 * group (groupDeltas: one window's deltas from several batches, folded here). Window starts
 * and ends travel as strings, kept exact whatever Lua does with numbers. A key that is not
 * well-formed UTF-16 (a lone surrogate, possible in a JSON string) is written as Redis always
 * stored it, with U+FFFD in its place: cjson refuses the escape JSON.stringify would write.
 * Written as text straight away: a catch-up call packs hundreds of thousands of keys, and an
 * array of them to stringify was 8% of a stats catch-up's allocations (docs/benchmarks.md).
 * A key's cells go packed as the cells hash keeps them (state/cell-scripts.ts), so that a key
 * new to its window is written as it comes. A group whose counts or sums would leave the range
 * numbers are exact in goes delta by delta: the script adds them exactly, one at a time.
 */
export function packDeltas(groups: Iterable<readonly WindowDelta[]>, jobs: readonly string[], cells?: ReadonlyMap<string, readonly CellSpec[]>): string {
  const index = new Map(jobs.map((job, i) => [job, i]));
  let text = '';
  for (const group of groups) {
    const job = index.get(group[0]!.job);
    if (job === undefined) throw new Error(`a delta of job ${group[0]!.job}, which this topic's checkpoint does not list`);
    const specs = cells?.get(group[0]!.job) ?? [];
    if (group.length === 1 && specs.length === 0) {
      // a batch's window of a count-only job (the tutorial's): its counts as they are
      const [delta] = group as [WindowDelta];
      text += windowHead(job, delta, delta.counts.size);
      delta.counts.forEach((count, key) => (text += `,${quoted(key)},"${count}"`));
      continue;
    }
    const folded = windowText(group, job, specs);
    if (folded !== undefined) text += folded;
    else for (const delta of group) text += windowText([delta], job, specs)!;
  }
  return `[${text.slice(1)}]`;
}

/** A window's entry up to its counts: job index, start and end as text, how many counts follow. */
const windowHead = (job: number, { windowStart, windowEnd }: WindowDelta, n: number) =>
  `,${job},"${windowStart}","${windowEnd === null ? '+inf' : windowEnd}",${n}`;

/** One window's entry (see CHECKPOINT_BATCH), its group's deltas folded; undefined when a folded count or sum is not exact. */
function windowText(group: readonly WindowDelta[], job: number, specs: readonly CellSpec[]): string | undefined {
  const several = group.length > 1;
  let counts = '';
  let n = 0;
  let packedCells = '';
  let m = 0;
  let exact = true;
  // forEach, not for…of: no entry pair per key (a tutorial call packs thousands of windows)
  for (let i = 0; i < group.length && exact; i += 1) {
    group[i]!.counts.forEach((count, key) => {
      if (!exact || (several && seenBefore(group, i, key))) return;
      const total = several ? countFrom(group, i, key, count) : count;
      if (several && !Number.isSafeInteger(total)) exact = false;
      counts += `,${quoted(key)},"${total}"`;
      n += 1;
      if (specs.length === 0) return;
      const packed = packedKey(group, i, key, specs);
      if (packed === null) exact = false;
      else if (packed !== '') {
        packedCells += packed;
        m += 1;
      }
    });
  }
  if (!exact) return undefined;
  const head = `${windowHead(job, group[0]!, n)}${counts}`;
  return specs.length === 0 ? head : `${head},${m}${packedCells}`;
}

/**
 * A key's cells as CHECKPOINT_BATCH takes them: `,key,packed,big` (big: 1 if a set is past
 * SMALL_SET_MAX), folded over the group's deltas from the `i`th; '' when no cell has a value,
 * null when a folded sum is not exact.
 */
function packedKey(group: readonly WindowDelta[], i: number, key: string, specs: readonly CellSpec[]): string | null {
  let packed = '';
  let any = false;
  let big = 0;
  for (let c = 0; c < specs.length; c += 1) {
    const op = specs[c]!.op;
    const value = group.length > 1 ? cellFrom(group, i, c, op, key) : group[0]!.cells?.[c]?.get(key);
    if (value === undefined) {
      packed += '0:';
      continue;
    }
    any = true;
    if (typeof value === 'number' && op === 'incr' && group.length > 1 && !Number.isSafeInteger(value)) return null;
    // a number as its text (see CHECKPOINT_BATCH: never an exponent; ASCII, so a byte per
    // character), a set as its elements
    if (typeof value === 'number') {
      const digits = String(value);
      packed += `${digits.length}:${digits}`;
      continue;
    }
    if (sizeOf(value) > SMALL_SET_MAX) big = 1;
    const elements = setText(value);
    packed += `${Buffer.byteLength(elements)}:${elements}`;
  }
  return any ? `,${quoted(key)},${JSON.stringify(packed)},${big}` : '';
}

const quoted = (key: string) => JSON.stringify(wellFormed(key));

/** A set's elements as a set cell keeps them: `<bytes>:<element>` each. */
function setText(elements: Elements): string {
  let text = '';
  forEachElement(elements, (element) => {
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
