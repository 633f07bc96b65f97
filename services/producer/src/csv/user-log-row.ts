import { integerInText, NOT_AN_INTEGER, problem, USER_LOG_COLUMNS, userActionFromValues, type Problem, type UserActionEvent } from '@streamtally/contracts';
import { FIELDS, INTEGER_BOUNDS, KIND, LINE, NOT_IN_CSV, NULLABLE, TEXT, TS, WHEN_BLANK } from './field-kinds';
import { splitFields } from './fields';

export type UserLogColumn = keyof UserActionEvent;

/** A parsed row; the pacer fills in `ts` (0 until then). */
export type UserLogRow = UserActionEvent;

export type RowOutcome = { ok: true; row: UserLogRow } | ({ ok: false } & Problem);

/** Column order of the canonical file (the contracts' field table); a header line may reorder it. */
export const CANONICAL_COLUMNS: readonly UserLogColumn[] = USER_LOG_COLUMNS;

/** True when the record's first field names a column: it is a header, not data. */
export function isHeader(fields: string[]): boolean {
  return (
    fields[0]
      ?.trim()
      .replace(/^\uFEFF/, '')
      .toLowerCase() === 'user_id'
  );
}

/** Column positions from a header line; an error names the missing or unknown column. */
export function columnsFromHeader(fields: string[]): UserLogColumn[] | Problem {
  const names = fields.map((f) =>
    f
      .trim()
      .replace(/^\uFEFF/, '')
      .toLowerCase(),
  );
  for (const name of names) {
    if (!(CANONICAL_COLUMNS as readonly string[]).includes(name)) return problem('bad_header', `header has an unknown column "${name}"`);
  }
  for (const column of CANONICAL_COLUMNS) {
    if (!names.includes(column)) return problem('bad_header', `header has no column "${column}"`);
  }
  return names as UserLogColumn[];
}

const COMMA = 44;
const SPACE = 32;

function isBlank(text: string, start: number, end: number): boolean {
  if (start === end) return true;
  const first = text.charCodeAt(start);
  if (first > SPACE && first < 127) return false; // the usual case, decided without a substring
  return text.slice(start, end).trim() === '';
}

export type RowParser = (record: string, line: number) => RowOutcome;

/** The longest text field (province) a row may carry, in UTF-8 bytes. */
export const DEFAULT_MAX_FIELD_BYTES = 256;

/** The first control character (C0 but TAB, DEL, C1) in text[start, end), or -1. */
function controlCharacterAt(text: string, start: number, end: number): number {
  for (let i = start; i < end; i += 1) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f)) return i;
  }
  return -1;
}

/**
 * Builds a parser for records in `columns` order. It turns one decoded record into a row,
 * or a reason naming the field that is wrong, checking each field against the contracts'
 * field table: its range, and what a blank means (gender unknown: 2, age_range unknown: 0,
 * brand_id, blank or NULL: null).
 *
 * Fields are read in place, as [start, end) ranges of one string, not split into substrings:
 * the producer parses hundreds of thousands of rows a second and most fields are digits.
 */
// eslint-disable-next-line max-lines-per-function -- its closures share the field offsets of the row being read, per row, without allocating
export function createRowParser(columns: readonly UserLogColumn[], maxFieldBytes = DEFAULT_MAX_FIELD_BYTES): RowParser {
  /** the position in `columns` of each field of the table (-1: not a CSV column) */
  const columnOf = Int32Array.from(FIELDS, (f) => columns.indexOf(f.name));
  const count = columns.length;
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);

  /** Cuts an unquoted record at its commas; returns how many fields it has. */
  function locateFields(record: string): number {
    let fields = 0;
    let start = 0;
    for (let i = 0; i < record.length; i += 1) {
      if (record.charCodeAt(i) !== COMMA) continue;
      if (fields < count) {
        starts[fields] = start;
        ends[fields] = i;
      }
      fields += 1;
      start = i + 1;
    }
    if (fields < count) {
      starts[fields] = start;
      ends[fields] = record.length;
    }
    return fields + 1;
  }

  /** A quoted record: its unquoted fields laid end to end, located the same way. */
  function locateQuotedFields(fields: string[]): string {
    let offset = 0;
    for (let i = 0; i < Math.min(fields.length, count); i += 1) {
      starts[i] = offset;
      offset += fields[i]!.length;
      ends[i] = offset;
    }
    return fields.join('');
  }

  // readers of the located fields, made once per parser rather than once per row
  const field = (text: string, column: number): string => text.slice(starts[column], ends[column]);
  const digits = (text: string, column: number): number => integerInText(text, starts[column]!, ends[column]!);
  const blank = (text: string, column: number): boolean => isBlank(text, starts[column]!, ends[column]!);
  const values = new Array<number | string | null>(FIELDS.length);

  return (record, line) => {
    let text = record;
    if (record.includes('"')) {
      const fields = splitFields(record, (n) => columns[n - 1] ?? String(n));
      if (!Array.isArray(fields)) return { ok: false, ...fields };
      if (fields.length !== count) return { ok: false, code: 'column_count', reason: `expected ${count} columns, found ${fields.length}` };
      text = locateQuotedFields(fields);
    } else {
      const found = locateFields(record);
      if (found !== count) return { ok: false, code: 'column_count', reason: `expected ${count} columns, found ${found}` };
    }

    for (let i = 0; i < FIELDS.length; i += 1) {
      const kind = KIND[i];
      if (kind === NOT_IN_CSV) continue; // ts and line: filled in below
      const column = columnOf[i]!;
      if (kind === TEXT) {
        const wrong = textProblem(text, starts[column]!, ends[column]!, FIELDS[i]!.name, maxFieldBytes);
        if (wrong) return { ok: false, ...wrong };
        values[i] = field(text, column).trim();
        continue;
      }
      const value = digits(text, column);
      if (value === NOT_AN_INTEGER) {
        // the rare cases, off the hot path: a blank that stands for unknown, a NULL brand
        if (kind === NULLABLE && (blank(text, column) || field(text, column).trim().toUpperCase() === 'NULL')) {
          values[i] = null;
          continue;
        }
        if (!Number.isNaN(WHEN_BLANK[i]) && blank(text, column)) {
          values[i] = WHEN_BLANK[i]!;
          continue;
        }
      }
      if (value === NOT_AN_INTEGER || value < INTEGER_BOUNDS.min[i]! || value > INTEGER_BOUNDS.max[i]!)
        return bad(FIELDS[i]!.name, field(text, column), `is not ${FIELDS[i]!.expected}`);
      values[i] = value;
    }
    values[TS] = 0;
    values[LINE] = line;
    return { ok: true, row: userActionFromValues(values) };
  };
}

/**
 * What is wrong with the one free-text field, if anything: bounded, so no row can make a
 * window's result too large, and free of control characters.
 */
function textProblem(text: string, start: number, end: number, name: keyof UserActionEvent, maxFieldBytes: number): Problem | undefined {
  if (end - start > maxFieldBytes / 3) {
    const bytes = Buffer.byteLength(text.slice(start, end));
    if (bytes > maxFieldBytes) return problem(`bad_${name}`, `field ${name}: ${bytes} bytes, more than ${maxFieldBytes}`);
  }
  const control = controlCharacterAt(text, start, end);
  if (control === -1) return undefined;
  const code = text.charCodeAt(control).toString(16).toUpperCase().padStart(4, '0');
  return problem('control_character', `field ${name}: control character U+${code} at character ${control - start + 1}`);
}

function bad(field: keyof UserActionEvent, value: string, what: string): RowOutcome {
  return { ok: false, code: `bad_${field}`, reason: `field ${field}: "${value.length > 40 ? value.slice(0, 40) + '…' : value}" ${what}` };
}
