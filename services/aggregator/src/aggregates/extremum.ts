import type { AggregateKind } from './aggregate';
import { fixedPointReader } from './field-value';
import { fromFixedPoint } from './fixed-point';

/** The smallest (`min`) or largest (`max`) value of a numeric field; null when no event had one. */
export function extremum(op: 'min' | 'max'): AggregateKind {
  return {
    fieldTypes: ['integer', 'number', 'timestamp'],
    compile: ({ name, field, decimals }) => ({
      name,
      op,
      field,
      decimals,
      cells: [{ name: `${name}.${op}`, op, read: fixedPointReader(field!, decimals) }],
      value: (_, [kept]) => (kept === undefined ? null : fromFixedPoint(kept, decimals)),
    }),
  };
}
