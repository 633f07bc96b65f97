import type { AggregateKind } from './aggregate';
import { fixedPointReader } from './field-value';
import { fromFixedPoint } from './fixed-point';

/** The largest value of a numeric field; null when no event had one. */
export const max: AggregateKind = {
  fieldTypes: ['integer', 'number', 'timestamp'],
  compile: ({ name, op, field, decimals }) => ({
    name,
    op,
    field,
    decimals,
    cells: [{ name: `${name}.max`, op: 'max', read: fixedPointReader(field!, decimals) }],
    value: (_, [largest]) => (largest === undefined ? null : fromFixedPoint(largest, decimals)),
  }),
};
