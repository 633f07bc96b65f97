import type { CellOp } from '../aggregates/aggregate';
import type { WindowDelta } from '../windowing/batch-aggregator';
import { keyedRecord } from '../windowing/keyed-record';

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
 */
export function packDeltas(deltas: Iterable<WindowDelta>, jobs: readonly string[], cells?: ReadonlyMap<string, readonly CellSpec[]>): string {
  const index = new Map(jobs.map((job, i) => [job, i]));
  let text = '';
  for (const delta of deltas) {
    const job = index.get(delta.job);
    if (job === undefined) throw new Error(`a delta of job ${delta.job}, which this topic's checkpoint does not list`);
    text += `,${job},"${delta.windowStart}","${delta.windowEnd === null ? '+inf' : delta.windowEnd}",${delta.counts.size}`;
    delta.counts.forEach((count, key) => (text += `,${quoted(key)},"${count}"`));
    const cellCount = cells?.get(delta.job)?.length ?? 0;
    for (let c = 0; c < cellCount; c += 1) {
      const values = delta.cells?.[c];
      text += `,${values?.size ?? 0}`;
      // a number as its text (see CHECKPOINT_BATCH: never an exponent), a set as its elements
      values?.forEach((value, key) => (text += `,${quoted(key)},${typeof value === 'number' ? `"${value}"` : setText(value)}`));
    }
  }
  return `[${text.slice(1)}]`;
}

const quoted = (key: string) => JSON.stringify(wellFormed(key));

function setText(elements: ReadonlySet<string>): string {
  let text = '';
  elements.forEach((element) => (text += `,${quoted(element)}`));
  return `[${text.slice(1)}]`;
}

const wellFormed = (key: string) => (key.isWellFormed() ? key : key.toWellFormed());

/** A window's cells as READ_WINDOWS gives them, per cell (in `cells`' order) key -> value. */
export interface ReadCells {
  /** a number, or 'overflow' where a sum left Redis's range; a set cell: its size (estimated once a HyperLogLog) */
  values: Record<string, number | 'overflow'>[];
  /** the fields (`<cell>|<key>`) whose set is a HyperLogLog: a key of its own, expired with the window */
  hyperLogLogs: string[];
}

/** A window's cells hash as READ_WINDOWS read it (flat `<cell>|<key>`, value pairs); fields of other cells are left out. */
export function readCells(flat: readonly (string | number)[], cells: readonly CellSpec[]): ReadCells {
  const values = cells.map(() => keyedRecord<number | 'overflow'>());
  const hyperLogLogs: string[] = [];
  for (let f = 0; f < flat.length; f += 2) {
    const field = String(flat[f]);
    const bar = field.indexOf('|');
    const cell = values[cells.findIndex((c) => c.name.length === bar && field.startsWith(c.name))];
    if (cell === undefined) continue;
    const raw = flat[f + 1]!;
    const key = field.slice(bar + 1);
    if (typeof raw === 'number')
      cell[key] = raw; // an exact set's size
    else if (raw.startsWith('*')) {
      cell[key] = Number(raw.slice(1));
      hyperLogLogs.push(field);
    } else {
      const n = Number(raw);
      cell[key] = Number.isSafeInteger(n) ? n : 'overflow';
    }
  }
  return { values, hyperLogLogs };
}
