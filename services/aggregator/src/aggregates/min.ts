import type { AggregateKind } from './aggregate';
import { fixedPointReader } from './field-value';
import { fromFixedPoint } from './fixed-point';

/** The smallest value of a numeric field; null when no event had one. */
export const min: AggregateKind = {
  fieldTypes: ['integer', 'number', 'timestamp'],
  compile: ({ name, op, field, decimals }) => ({
    name,
    op,
    field,
    decimals,
    cells: [{ name: `${name}.min`, op: 'min', read: fixedPointReader(field!, decimals) }],
    value: (_, [smallest]) => (smallest === undefined ? null : fromFixedPoint(smallest, decimals)),
  }),
};
