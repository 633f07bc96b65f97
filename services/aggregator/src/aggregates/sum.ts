import type { AggregateKind } from './aggregate';
import { fixedPointReader } from './field-value';
import { fromFixedPoint } from './fixed-point';

/** The sum of a numeric field, exact in fixed point; null when no event had a value. */
export const sum: AggregateKind = {
  fieldTypes: ['integer', 'number'],
  compile: ({ name, op, field, decimals }) => ({
    name,
    op,
    field,
    decimals,
    cells: [{ name: `${name}.sum`, op: 'incr', read: fixedPointReader(field!, decimals) }],
    value: (_, [total]) => (total === undefined ? null : fromFixedPoint(total, decimals)),
  }),
};
