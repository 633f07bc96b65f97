import type { AggregateKind } from './aggregate';

/** Redis's HyperLogLog standard error: a distinct count is within ±0.81% of the truth about two times in three. */
export const DISTINCT_STANDARD_ERROR = 0.0081;

/**
 * How many distinct values a field takes per key: exact up to SMALL_SET_MAX values per key and
 * window (kept in the window's cells hash), then estimated by a Redis HyperLogLog per key and
 * window (at most 12 KB each, far less while small), updated in the checkpoint script like the
 * other cells (state/cell-scripts.ts). Adding a value twice changes nothing, so a replayed
 * batch cannot count it again.
 * The keys folded into `other` do not combine: their distinct counts cannot be added.
 */
export const distinct: AggregateKind = {
  fieldTypes: ['string', 'integer', 'number', 'boolean', 'timestamp'],
  compile: ({ name, op, field }) => ({
    name,
    op,
    field,
    decimals: 0,
    folds: false,
    approximate: true,
    cells: [
      {
        name: `${name}.hll`,
        op: 'hll',
        read: (event) => {
          const value = event[field!];
          return value === null || value === undefined ? null : String(value);
        },
      },
    ],
    value: (_, [estimate]) => estimate ?? 0,
  }),
};
