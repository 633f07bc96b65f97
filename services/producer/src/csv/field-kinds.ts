import { USER_ACTION_FIELD_TABLE } from '@streamtally/contracts';

// The contracts' field table as flat arrays, read by index in the row parsers' loops: one
// shape, no property lookups per field (docs/benchmarks.md, "Choices in the code").
export const FIELDS = USER_ACTION_FIELD_TABLE;
export const INTEGER = 0;
export const NULLABLE = 1;
export const TEXT = 2;
export const NOT_IN_CSV = 3;
export const KIND = Uint8Array.from(FIELDS, (f) => (f.source !== 'csv' ? NOT_IN_CSV : f.type === 'text' ? TEXT : f.nullable ? NULLABLE : INTEGER));
export const INTEGER_BOUNDS = {
  min: Float64Array.from(FIELDS, (f) => (f.type === 'integer' ? f.min : 0)),
  max: Float64Array.from(FIELDS, (f) => (f.type === 'integer' ? f.max : 0)),
};
/** what a blank CSV field stands for; NaN where a blank is not allowed */
export const WHEN_BLANK = Float64Array.from(FIELDS, (f) => (f.type === 'integer' && f.whenBlank !== undefined ? f.whenBlank : NaN));
export const TS = FIELDS.findIndex((f) => f.name === 'ts');
export const LINE = FIELDS.findIndex((f) => f.name === 'line');
