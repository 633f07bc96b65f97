import type { CellOp } from '../aggregates/aggregate';
import type { WindowDelta } from '../windowing/batch-aggregator';
import { type Elements, sizeOf } from '../windowing/cell-fold';
import { digitCount, JsonBytes, numberLength, utf8Length } from './json-bytes';
import { cellFrom, countFrom, rowsFrom, seenBefore } from './merge-deltas';
import type { CellRow } from '../windowing/cell-fold';
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
 * Written as UTF-8 bytes straight away (json-bytes.ts): a catch-up call packs hundreds of
 * thousands of keys. A key's cells go packed as the cells hash keeps them
 * (state/cell-scripts.ts), so that a key new to its window is written as it comes; a job with
 * cells has its counts there too, as the first cell of each key (COUNT_CELL), and no counts of
 * their own: a hash per window, not two (docs/benchmarks.md, session 28). A group
 * whose counts or sums would leave the range numbers are exact in goes delta by delta: the
 * script adds them exactly, one at a time.
 */
export function packDeltas(groups: Iterable<readonly WindowDelta[]>, jobs: readonly string[], cells?: ReadonlyMap<string, readonly CellSpec[]>): Buffer {
  const index = new Map(jobs.map((job, i) => [job, i]));
  const out = new JsonBytes(256 * 1024);
  const keyCells = new JsonBytes();
  out.char(OPEN);
  for (const group of groups) {
    const job = index.get(group[0]!.job);
    if (job === undefined) throw new Error(`a delta of job ${group[0]!.job}, which this topic's checkpoint does not list`);
    const specs = cells?.get(group[0]!.job) ?? [];
    if (group.length === 1 && specs.length === 0) {
      // a batch's window of a count-only job (the tutorial's): its counts as they are
      const [delta] = group as [WindowDelta];
      windowHead(out, job, delta).number(delta.counts.size);
      delta.counts.forEach((count, key) => out.char(COMMA).string(wellFormed(key)).char(COMMA).char(QUOTE).number(count).char(QUOTE));
      continue;
    }
    const start = out.length;
    if (!writeWindow(out, keyCells, group, job, specs)) {
      out.truncate(start);
      for (const delta of group) writeWindow(out, keyCells, [delta], job, specs);
    }
  }
  const text = out.char(CLOSE).view();
  if (text.length > 2) text[1] = SPACE; // each window's entry starts with a comma: the first's goes
  return text;
}

/**
 * A key's count where a job with cells keeps it: the first of its packed cells, added to as an
 * `incr` cell is. The name is one no aggregate's cell has (theirs are `<field>.<op>`).
 */
export const COUNT_CELL: CellSpec = { name: '#count', op: 'incr' };

/** A job's cells as the scripts take them ("name op name op…"): COUNT_CELL first, '' for a count-only job. */
export function cellListArg(cells: readonly CellSpec[]): string {
  return cells.length === 0 ? '' : [COUNT_CELL, ...cells].map((c) => `${c.name} ${c.op}`).join(' ');
}

/** A window's entry up to its counts: job index, start and end as text; how many counts follow comes next. */
function windowHead(out: JsonBytes, job: number, { windowStart, windowEnd }: WindowDelta): JsonBytes {
  out.char(COMMA).number(job).char(COMMA).char(QUOTE).number(windowStart).char(QUOTE).char(COMMA);
  if (windowEnd === null) out.ascii('"+inf"');
  else out.char(QUOTE).number(windowEnd).char(QUOTE);
  return out.char(COMMA);
}

/**
 * One window's entry (see CHECKPOINT_BATCH), its group's deltas folded; false, with what it
 * wrote left in `out` for the caller to take back, when a folded count or sum is not exact.
 * A job with cells has no counts there (0 of them): each key's count goes first in its packed
 * cells, written to `keyCells` first, their number before them.
 */
function writeWindow(out: JsonBytes, keyCells: JsonBytes, group: readonly WindowDelta[], job: number, specs: readonly CellSpec[]): boolean {
  const several = group.length > 1;
  windowHead(out, job, group[0]!);
  const countsAt = out.reserve(COUNT_DIGITS);
  keyCells.truncate(0);
  let n = 0;
  let m = 0;
  let exact = true;
  // forEach, not for…of: no entry pair per key (a tutorial call packs thousands of windows)
  for (let i = 0; i < group.length && exact; i += 1) {
    group[i]!.counts.forEach((count, key) => {
      if (!exact || (several && seenBefore(group, i, key))) return;
      const total = several ? countFrom(group, i, key, count) : count;
      if (several && !Number.isSafeInteger(total)) exact = false;
      const name = wellFormed(key);
      if (specs.length === 0) {
        out.char(COMMA).string(name).char(COMMA).char(QUOTE).number(total).char(QUOTE);
        n += 1;
        return;
      }
      if (writeKeyCells(keyCells, group, i, key, name, specs, total)) m += 1;
      else exact = false;
    });
  }
  if (!exact) return false;
  out.fill(countsAt, COUNT_DIGITS, n);
  if (specs.length > 0) out.char(COMMA).number(m).append(keyCells);
  return true;
}

/**
 * A key's cells as CHECKPOINT_BATCH takes them: `,key,"packed",big` (big: 1 if a set is past
 * SMALL_SET_MAX), its count first, then its cells folded over the group's deltas from the
 * `i`th; false (nothing written) when a folded sum is not exact.
 */
function writeKeyCells(
  out: JsonBytes,
  group: readonly WindowDelta[],
  i: number,
  key: string,
  name: string,
  specs: readonly CellSpec[],
  count: number,
): boolean {
  const start = out.length;
  out.char(COMMA).string(name).char(COMMA).char(QUOTE).number(numberLength(count)).char(COLON).number(count);
  let big = 0;
  const several = group.length > 1;
  const rows = several ? rowsFrom(group, i, key, ROWS) : undefined;
  const row = several ? undefined : group[0]!.cells?.get(key);
  for (let c = 0; c < specs.length; c += 1) {
    const op = specs[c]!.op;
    const value = rows ? cellFrom(rows, c, op) : row?.[c];
    if (value === undefined) {
      out.char(ZERO).char(COLON);
      continue;
    }
    // a number as its text (see CHECKPOINT_BATCH: never an exponent; ASCII, so a byte per
    // character), a set as its elements; each after its length in bytes
    if (typeof value === 'number') {
      if (op === 'incr' && several && !Number.isSafeInteger(value)) {
        out.truncate(start);
        return false;
      }
      out.number(numberLength(value)).char(COLON).number(value);
      continue;
    }
    if (sizeOf(value) > SMALL_SET_MAX) big = 1;
    writeSet(out, value);
  }
  out.char(QUOTE).char(COMMA).number(big);
  return true;
}

/** A set as a set cell keeps it: its elements' bytes, then `<bytes>:<element>` each (no closure per set: one per key was 5% of a stats catch-up's allocations). */
function writeSet(out: JsonBytes, elements: Elements): void {
  if (typeof elements === 'string') {
    const e = wellFormed(elements);
    const length = utf8Length(e);
    out
      .number(digitCount(length) + 1 + length)
      .char(COLON)
      .number(length)
      .char(COLON)
      .stringPart(e);
    return;
  }
  let bytes = 0;
  for (const element of elements) {
    const length = utf8Length(wellFormed(element));
    bytes += digitCount(length) + 1 + length;
  }
  out.number(bytes).char(COLON);
  for (const element of elements) {
    const e = wellFormed(element);
    out.number(utf8Length(e)).char(COLON).stringPart(e);
  }
}

const wellFormed = (key: string) => (key.isWellFormed() ? key : key.toWellFormed());

/** a key's rows across a group's deltas (rowsFrom), reused from key to key */
const ROWS: (CellRow | undefined)[] = [];
/** room for how many keys a window's entry has: up to ten digits */
const COUNT_DIGITS = 10;
const [OPEN, CLOSE, COMMA, QUOTE, COLON, SPACE, ZERO] = [0x5b, 0x5d, 0x2c, 0x22, 0x3a, 0x20, 0x30] as const;
