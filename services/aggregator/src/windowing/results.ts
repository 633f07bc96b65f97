import { encodeWindowResult, type FoldReason, resultVersion, WindowResult } from '@streamtally/contracts';
import type { Aggregate, NumberOp, StateCell } from '../aggregates/aggregate';
import type { CellTable } from '../state/cell-table';
import { keyedRecord } from './keyed-record';

/** Kafka's default limit is 1 MiB per record; a result stays well under it. */
export const MAX_RESULT_BYTES = 512 * 1024;

/** A window's committed state, as the emitter read it. */
export interface WindowToPublish {
  job: string;
  windowStart: number;
  windowEnd: number | null;
  /** a session's key (its only one) */
  sessionKey?: string;
  counts: Record<string, number>;
  /** its keys' state cells (the job's aggregates' order); absent for a count-only job */
  cells?: CellTable;
  /** how many checkpoints changed the window: its version */
  changes: number;
}

/** What a job's results hold and how large they may grow. */
export interface ResultShape {
  /** the job's generation (absent or 1: its first, not written) */
  generation?: number;
  /** the most keys a result lists; the rest are folded into `other` */
  maxKeys: number;
  /** the most bytes an encoded result may take */
  maxBytes: number;
  /** what each key gets besides its count (none: a count-only result, as ever) */
  aggregates?: readonly Aggregate[];
  /** the index in `aggregates` keys are ranked by; undefined: by count */
  orderBy?: number;
}

const COUNTS_ONLY: ResultShape = { maxKeys: Infinity, maxBytes: MAX_RESULT_BYTES };

/** Room a value of any aggregate can take in JSON (`-2.2250738585072014e-308`, 24 characters: no number takes more), for the size reserve. */
const WIDEST_VALUE = -2.2250738585072014e-308;

/**
 * A window's result, bounded whatever the data: the keys in rank order (largest first by the
 * job's orderBy, else by count; ties by key), at most `maxKeys` of them, each listed if it
 * still fits in `maxBytes`; a key that does not fit is folded into `other` and the smaller
 * ones after it are still listed, so one huge key (a 900 KB "province" written into the
 * input topic) costs its own place only. `other` says how many keys were folded, their count,
 * their aggregates folded together, and why. The version counts the window's changes.
 */
export function buildResult(window: WindowToPublish, final: boolean, now: number, shape: ResultShape = COUNTS_ONLY): WindowResult {
  const { job, windowStart, windowEnd, counts, sessionKey } = window;
  const aggregates = shape.aggregates ?? [];
  const values = aggregates.length > 0 ? valuesOf(window, aggregates) : undefined;
  const full: WindowResult = {
    job,
    windowStart,
    windowEnd,
    ...(sessionKey !== undefined ? { sessionKey } : {}),
    counts,
    ...(values ? { values } : {}),
    final,
    version: resultVersion(window.changes, final),
    ...(shape.generation !== undefined && shape.generation > 1 ? { generation: shape.generation } : {}),
    emittedAt: now,
  };
  const keys = Object.keys(counts);
  // nearly every result is far under the bound: checked without encoding it (it is encoded once, when sent)
  if (keys.length <= shape.maxKeys && (resultSizeBound(full, keys, aggregates) <= shape.maxBytes || encodeWindowResult(full).length <= shape.maxBytes))
    return full;
  const rankOf =
    shape.orderBy === undefined || !values ? (key: string) => counts[key]! : (key: string) => values[key]![aggregates[shape.orderBy!]!.name] ?? -Infinity;
  const ranked = keys.sort((a, b) => rankOf(b) - rankOf(a) || (a < b ? -1 : a > b ? 1 : 0));
  // what the result takes besides its listed keys, at its largest (every key folded, both reasons, the widest values)
  const widest = values ? Object.fromEntries(aggregates.map((a) => [a.name, WIDEST_VALUE])) : undefined;
  const worstOther = {
    keys: ranked.length,
    count: Number.MAX_SAFE_INTEGER,
    reason: ['maxKeys', 'maxBytes'] as FoldReason[],
    ...(widest ? { values: widest } : {}),
  };
  let budget = shape.maxBytes - encodeWindowResult({ ...full, counts: {}, ...(values ? { values: {} } : {}), other: worstOther }).length;
  const listedCounts = keyedRecord<number>();
  const listedValues = keyedRecord<Record<string, number | null>>();
  const folded: string[] = [];
  const reasons: FoldReason[] = [];
  let kept = 0;
  for (const key of ranked) {
    // `"key":count,` as JSON.stringify writes it (escapes included), and `"key":{values},`
    const keyBytes = Buffer.byteLength(JSON.stringify(key));
    const size = keyBytes + String(counts[key]).length + 2 + (values ? keyBytes + JSON.stringify(values[key]).length + 2 : 0);
    const reason: FoldReason | undefined = kept >= shape.maxKeys ? 'maxKeys' : size > budget ? 'maxBytes' : undefined;
    if (reason) {
      folded.push(key);
      if (!reasons.includes(reason)) reasons.push(reason);
      continue;
    }
    listedCounts[key] = counts[key]!;
    if (values) listedValues[key] = values[key]!;
    budget -= size;
    kept += 1;
  }
  const other = { keys: folded.length, count: folded.reduce((sum, key) => sum + counts[key]!, 0), reason: reasons };
  return {
    ...full,
    counts: listedCounts,
    ...(values ? { values: listedValues } : {}),
    other: values ? { ...other, values: foldedValues(window, aggregates, folded, other.count) } : other,
  };
}

/** The most characters JSON takes for a number (WIDEST_VALUE), and for each UTF-16 unit of a string (`\uXXXX`). */
const NUMBER_CHARS = 24;
const CHAR_BYTES = 6;

/**
 * At least the bytes `result` takes encoded (with the input time the emitter adds), without
 * encoding it: every key (in `counts` and in `values`) and name at 6 bytes a unit, every
 * number at 24 characters, 512 bytes for the fixed fields. Exported for its test.
 */
export function resultSizeBound(result: WindowResult, keys: readonly string[], aggregates: readonly Aggregate[]): number {
  let row = 0; // `{"name":value,…}` beside a key in `values`
  for (const aggregate of aggregates) row += CHAR_BYTES * aggregate.name.length + NUMBER_CHARS + 4;
  const perKey = NUMBER_CHARS + 4 + (aggregates.length > 0 ? row + 6 : 0);
  const occurrences = aggregates.length > 0 ? 2 : 1;
  let bytes = 512 + CHAR_BYTES * (result.job.length + (result.sessionKey?.length ?? 0));
  for (const key of keys) bytes += occurrences * CHAR_BYTES * key.length + perKey;
  return bytes;
}

/** Each key's aggregates by name, from its count and its cells. */
function valuesOf(window: WindowToPublish, aggregates: readonly Aggregate[]): Record<string, Record<string, number | null>> {
  const values = keyedRecord<Record<string, number | null>>();
  const scratch = aggregates.map((a) => new Array<number | 'overflow' | undefined>(a.cells.length)); // reused from key to key
  const table = window.cells;
  if (!table) {
    // a job whose aggregates keep no cells (counts only)
    for (const key of Object.keys(window.counts)) values[key] = rowOf(aggregates, window.counts[key]!, NO_CELL, 0, false, scratch);
    return values;
  }
  // one function for every key: a closure per key was much of valuesOf's 5% of a stats catch-up's allocations
  const cellAt = (i: number, _cell: StateCell, row: number) => table.valueAt(row, i);
  for (let row = 0; row < table.size; row += 1) {
    const count = table.countAt(row);
    if (count !== undefined) values[table.keyAt(row)] = rowOf(aggregates, count, cellAt, row, false, scratch);
  }
  return values;
}

const NO_CELL = () => undefined;

/** The aggregates of the folded keys together: their cells folded by each cell's op (sums add, minima take the least). */
function foldedValues(window: WindowToPublish, aggregates: readonly Aggregate[], keys: readonly string[], count: number): Record<string, number | null> {
  const table = window.cells;
  const cellAt = (i: number, cell: StateCell) => (cell.op === 'hll' || !table ? undefined : foldCellOver(table, i, cell.op, keys));
  return rowOf(aggregates, count, cellAt, 0, true);
}

/**
 * One row of values by aggregate name, each from its cells' values (`cellAt` the job-wide cell
 * index, for the key in `row`); null where a cell overflowed, and for `folded` keys an aggregate that does not fold
 * (a distinct count of several keys is not the sum of theirs: no value rather than a wrong one).
 */
function rowOf(
  aggregates: readonly Aggregate[],
  count: number,
  cellAt: (index: number, cell: StateCell, row: number) => number | 'overflow' | undefined,
  row: number,
  folded = false,
  scratch?: (number | 'overflow' | undefined)[][],
): Record<string, number | null> {
  const values: Record<string, number | null> = {};
  let c = 0;
  for (let a = 0; a < aggregates.length; a += 1) {
    const aggregate = aggregates[a]!;
    const cells = scratch?.[a] ?? new Array<number | 'overflow' | undefined>(aggregate.cells.length);
    for (let i = 0; i < aggregate.cells.length; i += 1) cells[i] = cellAt(c + i, aggregate.cells[i]!, row);
    c += aggregate.cells.length;
    const none = (folded && aggregate.folds === false) || cells.includes('overflow');
    values[aggregate.name] = none ? null : aggregate.value(count, cells as (number | undefined)[]);
  }
  return values;
}

function foldCellOver(table: CellTable, cell: number, op: NumberOp, keys: readonly string[]): number | 'overflow' | undefined {
  let folded: number | undefined;
  for (const key of keys) {
    const row = table.rowOf(key);
    const value = row === undefined ? undefined : table.valueAt(row, cell);
    if (value === undefined) continue;
    if (value === 'overflow') return 'overflow';
    folded = folded === undefined ? value : op === 'incr' ? folded + value : op === 'min' ? Math.min(folded, value) : Math.max(folded, value);
  }
  return folded !== undefined && op === 'incr' && !Number.isSafeInteger(folded) ? 'overflow' : folded;
}
