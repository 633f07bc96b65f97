import type { AggregateKind } from './aggregate';
import { fixedPointReader } from './field-value';
import { fromFixedPoint, roundTo } from './fixed-point';

/** Places an average keeps beyond its field's decimals. */
export const AVG_EXTRA_DECIMALS = 4;

/**
 * The mean of a numeric field, kept as an exact sum and a count of the events that had a
 * value (so it merges across batches and keys), divided when read: rounded to the field's
 * decimals plus AVG_EXTRA_DECIMALS places; null when no event had a value. Over a field every
 * event has, the count of values is the key's event count: no cell of its own (one field less
 * per key in every checkpoint).
 */
export const avg: AggregateKind = {
  fieldTypes: ['integer', 'number'],
  compile: ({ name, op, field, decimals, required }) => {
    const read = fixedPointReader(field!, decimals);
    const mean = (total: number | undefined, values: number | undefined) =>
      total === undefined || !values ? null : roundTo(fromFixedPoint(total, decimals) / values, decimals + AVG_EXTRA_DECIMALS);
    if (required) return { name, op, field, decimals, cells: [{ name: `${name}.sum`, op: 'incr', read }], value: (count, [total]) => mean(total, count) };
    return {
      name,
      op,
      field,
      decimals,
      cells: [
        { name: `${name}.sum`, op: 'incr', read },
        { name: `${name}.n`, op: 'incr', read: (event) => (event[field!] === null || event[field!] === undefined ? null : 1) },
      ],
      value: (_, [total, values]) => mean(total, values),
    };
  },
};
