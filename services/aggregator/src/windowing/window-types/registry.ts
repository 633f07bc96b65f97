import { z } from 'zod';
import { hopping } from './hopping';
import { running } from './running';
import { session } from './session';
import { tumbling } from './tumbling';
import type { TimeWindowType, WindowType } from './window-type';

/**
 * Every window type, by the name the jobs file gives it: the one place a new type is
 * registered (one module beside these, one line here and one in the schema below).
 */
export const WINDOW_TYPES = { tumbling, hopping, running, session } as const;

/** A job's `window` in the jobs file: one of the registered types. */
export const windowSchema = z.discriminatedUnion('type', [tumbling.schema, hopping.schema, running.schema, session.schema]);

export type WindowSpec = z.output<typeof windowSchema>;
export type WindowTypeName = WindowSpec['type'];

/** The window type of a spec, its methods taking that spec. */
export function windowTypeOf<S extends WindowSpec>(spec: S): WindowType<S> {
  // each type's methods take the spec of its own name, which is what `spec` is
  return WINDOW_TYPES[spec.type] as unknown as WindowType<S>;
}

/** The specs of the types whose windows are fixed spans of event time, shared by every key. */
export type TimeWindowSpec = {
  [K in WindowTypeName]: (typeof WINDOW_TYPES)[K]['family'] extends 'time' ? Extract<WindowSpec, { type: K }> : never;
}[WindowTypeName];

/** The window type of a time window's spec (see windowTypeOf). */
export function timeWindowTypeOf<S extends TimeWindowSpec>(spec: S): TimeWindowType<S> {
  return WINDOW_TYPES[spec.type] as unknown as TimeWindowType<S>;
}
