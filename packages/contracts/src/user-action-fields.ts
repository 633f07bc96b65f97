/**
 * The one description of a user-action event's fields: their order, their ranges and where
 * each comes from. The JSON encoder and the fast byte reader (their layout), the validator
 * (its ranges and messages), the producer's CSV columns, header and row checks, and the
 * aggregator's known job fields are all derived from USER_ACTION_FIELD_TABLE; change a field
 * here and every one of them follows.
 */

/** One row of user_log.csv as published on the user-actions topic (JSON, key = user_id). */
export interface UserActionEvent {
  user_id: number;
  item_id: number;
  cat_id: number;
  merchant_id: number;
  /** null where the log has no brand (empty or NULL) */
  brand_id: number | null;
  month: number;
  day: number;
  action: 0 | 1 | 2 | 3;
  age_range: number;
  gender: 0 | 1 | 2;
  province: string;
  /** event time, epoch milliseconds */
  ts: number;
  /** 1-based line number in the source file */
  line: number;
}

/**
 * Where a field's value comes from: a column of user_log.csv, the event time the producer
 * assigns, or the provenance of the row (its line), which no job may group by.
 */
export type FieldSource = 'csv' | 'event-time' | 'provenance';

export interface IntegerField {
  name: keyof UserActionEvent;
  type: 'integer';
  min: number;
  max: number;
  /** null is allowed too (in CSV: an empty field or NULL); messages then add "or null" */
  nullable?: true;
  /** the value an empty CSV field stands for (unknown) */
  whenBlank?: number;
  /** what a valid value is, for error messages: "field month: expected a month 1-12" */
  expected: string;
  source: FieldSource;
}

/** "field brand_id: expected a non-negative integer or null": the validator's message for a bad value. */
export function fieldError(field: FieldSpec): string {
  return `field ${field.name}: expected ${field.expected}${field.type === 'integer' && field.nullable ? ' or null' : ''}`;
}

export interface TextField {
  name: keyof UserActionEvent;
  type: 'text';
  expected: string;
  source: FieldSource;
}

export type FieldSpec = IntegerField | TextField;

const ID_MAX = Number.MAX_SAFE_INTEGER;
const id = (name: keyof UserActionEvent): IntegerField => ({ name, type: 'integer', min: 0, max: ID_MAX, expected: 'a non-negative integer', source: 'csv' });
const code = (name: keyof UserActionEvent, min: number, max: number, expected: string): IntegerField => ({
  name,
  type: 'integer',
  min,
  max,
  expected,
  source: 'csv',
});

/** The fields in the order they are encoded and read (and the default CSV column order). */
export const USER_ACTION_FIELD_TABLE: readonly FieldSpec[] = [
  id('user_id'),
  id('item_id'),
  id('cat_id'),
  id('merchant_id'),
  { ...id('brand_id'), nullable: true },
  code('month', 1, 12, 'a month 1-12'),
  code('day', 1, 31, 'a day 1-31'),
  code('action', 0, 3, 'an action code 0-3'),
  { ...code('age_range', 0, 8, 'an age range code 0-8'), whenBlank: 0 },
  { ...code('gender', 0, 2, 'a gender code 0, 1 or 2'), whenBlank: 2 },
  { name: 'province', type: 'text', expected: 'a string', source: 'csv' },
  { name: 'ts', type: 'integer', min: 0, max: ID_MAX, expected: 'epoch milliseconds', source: 'event-time' },
  { name: 'line', type: 'integer', min: 1, max: ID_MAX, expected: 'a positive line number', source: 'provenance' },
];

/** Every field name, in encoding order. */
export const USER_ACTION_FIELDS: readonly (keyof UserActionEvent)[] = USER_ACTION_FIELD_TABLE.map((f) => f.name);

/** The columns of user_log.csv, in the canonical file's order. */
export const USER_LOG_COLUMNS: readonly (keyof UserActionEvent)[] = USER_ACTION_FIELD_TABLE.filter((f) => f.source === 'csv').map((f) => f.name);

/** The canonical header line of user_log.csv. */
export const USER_LOG_HEADER = USER_LOG_COLUMNS.join(',');

/** The fields a job may count by or filter on (not the row's provenance). */
export const USER_ACTION_JOB_FIELDS: readonly (keyof UserActionEvent)[] = USER_ACTION_FIELD_TABLE.filter((f) => f.source !== 'provenance').map((f) => f.name);

/**
 * Builds an event from its values in table order. Compiled once from the table's names into
 * an object literal (the names are this file's constants, never input): every event then has
 * the same shape, and building it costs what a hand-written literal costs, less than assigning
 * the fields in a loop (docs/benchmarks.md, "Choices in the code").
 */
export const userActionFromValues = new Function('values', `return { ${USER_ACTION_FIELDS.map((name, i) => `${name}: values[${i}]`).join(', ')} };`) as (
  values: ReadonlyArray<number | string | null>,
) => UserActionEvent;

/**
 * The event's JSON text, byte for byte what JSON.stringify gives for the table's field order.
 * Compiled once from the table like `userActionFromValues`: the producer encodes hundreds of
 * thousands of events a second, and a template costs less than a loop over the fields.
 */
export const encodeUserActionText = new Function(
  'e',
  `return ${USER_ACTION_FIELD_TABLE.map(
    (f, i) => `${JSON.stringify(`${i === 0 ? '{' : ','}"${f.name}":`)} + ${f.type === 'text' ? `JSON.stringify(e.${f.name})` : `e.${f.name}`}`,
  ).join(' + ')} + "}";`,
) as (event: UserActionEvent) => string;
