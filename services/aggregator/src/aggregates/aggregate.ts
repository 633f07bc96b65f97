import type { SourceEvent } from '@streamtally/contracts/sources';

/**
 * How a state cell folds values: `incr` adds (Redis HINCRBY), `min` and `max` keep the
 * smallest or largest (compare-and-set in the checkpoint script). Folding is associative and
 * commutative, so cells merge across batches, partitions and the keys folded into `other`.
 */
export type CellOp = 'incr' | 'min' | 'max';

/** One number an aggregate keeps per key and window (a sum, a count of values, a minimum). */
export interface StateCell {
  /** names the cell's hash beside the window's counts: `<window>|<aggregate>.<cell>` */
  name: string;
  op: CellOp;
  /**
   * The event's contribution, an integer (fixed point); null when it has none (an optional
   * field missing); a string says why the value cannot be kept exactly (too large for its
   * decimals), and the event goes to the dead letters instead
   */
  read(event: SourceEvent): number | null | string;
}

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
  compile(def: AggregateDefinition & { decimals: number }): Aggregate;
}
