import type { AggregateKind } from './aggregate';

/** The number of events per key: the window's own counts, no cell of its own. */
export const count: AggregateKind = {
  compile: ({ name, op }) => ({ name, op, decimals: 0, cells: [], value: (events) => events }),
};
