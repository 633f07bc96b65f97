import type { SourceEvent } from '@streamtally/contracts/sources';

/**
 * How a state cell folds values: `incr` adds (Redis HINCRBY), `min` and `max` keep the
 * smallest or largest (compare-and-set in the checkpoint script), `hll` adds the value to a
 * set, exact while small, then a HyperLogLog (adding one twice changes nothing). Folding is associative and
 * commutative, so cells merge across batches and partitions whatever the order.
 */
export type NumberOp = 'incr' | 'min' | 'max';
export type CellOp = NumberOp | 'hll';

/** Why an event's value cannot be kept exactly (too large for its decimals): it goes to the dead letters. */
export interface Refusal {
  refused: string;
}

/** One number an aggregate keeps per key and window (a sum, a count of values, a minimum). */
export interface NumberCell {
  /** names the cell's hash beside the window's counts: `<window>|<aggregate>.<cell>` */
  name: string;
  op: NumberOp;
  /** the event's contribution, an integer (fixed point); null when it has none (an optional field missing) */
  read(event: SourceEvent): number | null | Refusal;
}

/** A set an aggregate keeps per key and window: its values while few, then a HyperLogLog (state/cell-scripts.ts). */
export interface SetCell {
  name: string;
  op: 'hll';
  /** the event's element, as text; null when it has none */
  read(event: SourceEvent): string | null;
}

export type StateCell = NumberCell | SetCell;

/** An aggregate as written in a job: its name in results, what it computes, over which field. */
export interface AggregateDefinition {
  name: string;
  op: string;
  field?: string;
  decimals?: number;
}

/** A compiled aggregate: the cells it keeps, and how its value comes out of them. */
export interface Aggregate {
  name: string;
  op: string;
  field?: string;
  /** decimal places kept exactly (fixed point); 0 for integers */
  decimals: number;
  cells: readonly StateCell[];
  /** false when the keys folded into `other` cannot be combined (a distinct count: their sets are not summed) */
  folds?: false;
  /** true when the value is an estimate (a distinct count: HyperLogLog, 0.81% standard error) */
  approximate?: true;
  /**
   * The value for one key (or for the keys folded into `other`) from the key's event count and
   * its cells' folded values, in `cells` order (undefined: no event had a value); null when none.
   */
  value(count: number, cells: readonly (number | undefined)[]): number | null;
}

/** What compiling an aggregate needs to know of the job's source: its fields' types. */
export interface AggregateContext {
  fieldType(field: string): string | undefined;
  fieldsNote: string;
}

/** One aggregate kind's module: checks a definition against the source and compiles it. */
export interface AggregateKind {
  /** numbers it reads: a field of one of these types (none: reads no field) */
  fieldTypes?: readonly string[];
  /** `required`: every event has the field (never null), so an aggregate may lean on the event count */
  compile(def: AggregateDefinition & { decimals: number; required: boolean }): Aggregate;
}
