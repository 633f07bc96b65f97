import { UserActionEvent, USER_ACTION_FIELDS } from '@streamtally/contracts';
import { splitFields } from './fields';

export type UserLogColumn = (typeof USER_ACTION_FIELDS)[number];

/** A parsed row; the pacer fills in `ts` (0 until then). */
export type UserLogRow = UserActionEvent;

export type RowOutcome = { ok: true; row: UserLogRow } | { ok: false; reason: string };

/** Column order of the canonical file; a header line may reorder it. */
export const CANONICAL_COLUMNS: readonly UserLogColumn[] = USER_ACTION_FIELDS;

/** True when the record's first field names a column: it is a header, not data. */
export function isHeader(fields: string[]): boolean {
  return fields[0]?.trim().replace(/^\uFEFF/, '').toLowerCase() === 'user_id';
}

/** Column positions from a header line; an error names the missing or unknown column. */
export function columnsFromHeader(fields: string[]): UserLogColumn[] | string {
  const names = fields.map((f) => f.trim().replace(/^\uFEFF/, '').toLowerCase());
  for (const name of names) {
    if (!(CANONICAL_COLUMNS as readonly string[]).includes(name)) return `header has an unknown column "${name}"`;
  }
  for (const column of CANONICAL_COLUMNS) {
    if (!names.includes(column)) return `header has no column "${column}"`;
  }
  return names as UserLogColumn[];
}

const NOT_AN_INTEGER = -1;
const COMMA = 44;
const SPACE = 32;

/**
 * Parses the digits of text[start, end) (spaces around them allowed) without a substring;
 * -1 when it is not a non-negative integer.
 */
function parseDigits(text: string, start: number, end: number): number {
  while (start < end && text.charCodeAt(start) === SPACE) start += 1;
  while (end > start && text.charCodeAt(end - 1) === SPACE) end -= 1;
  if (end === start || end - start > 15) return NOT_AN_INTEGER;
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NOT_AN_INTEGER;
    value = value * 10 + digit;
  }
  return value;
}

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
 * or a reason naming the field that is wrong. Empty gender means unknown (2), empty
 * age_range unknown (0), empty or NULL brand_id null.
 *
 * Fields are read in place, as [start, end) ranges of one string, not split into substrings:
 * the producer parses hundreds of thousands of rows a second and most fields are digits.
 */
export function createRowParser(columns: readonly UserLogColumn[], maxFieldBytes = DEFAULT_MAX_FIELD_BYTES): RowParser {
  const at = Object.fromEntries(columns.map((name, i) => [name, i])) as Record<UserLogColumn, number>;
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
  const digits = (text: string, column: number): number => parseDigits(text, starts[column]!, ends[column]!);
  const blank = (text: string, column: number): boolean => isBlank(text, starts[column]!, ends[column]!);

  return (record, line) => {
    let text = record;
    if (record.includes('"')) {
      const fields = splitFields(record);
      // "field 11: …" from the splitter becomes "field province: …"
      if (typeof fields === 'string') return { ok: false, reason: fields.replace(/^field (\d+):/, (all, n: string) => (columns[Number(n) - 1] ? `field ${columns[Number(n) - 1]}:` : all)) };
      if (fields.length !== count) return { ok: false, reason: `expected ${count} columns, found ${fields.length}` };
      text = locateQuotedFields(fields);
    } else {
      const found = locateFields(record);
      if (found !== count) return { ok: false, reason: `expected ${count} columns, found ${found}` };
    }

    const user_id = digits(text, at.user_id);
    if (user_id === NOT_AN_INTEGER) return bad('user_id', field(text, at.user_id), 'is not a non-negative integer');
    const item_id = digits(text, at.item_id);
    if (item_id === NOT_AN_INTEGER) return bad('item_id', field(text, at.item_id), 'is not a non-negative integer');
    const cat_id = digits(text, at.cat_id);
    if (cat_id === NOT_AN_INTEGER) return bad('cat_id', field(text, at.cat_id), 'is not a non-negative integer');
    const merchant_id = digits(text, at.merchant_id);
    if (merchant_id === NOT_AN_INTEGER) return bad('merchant_id', field(text, at.merchant_id), 'is not a non-negative integer');
    let brand_id: number | null = null;
    if (!blank(text, at.brand_id)) {
      brand_id = digits(text, at.brand_id);
      if (brand_id === NOT_AN_INTEGER) {
        const brandText = field(text, at.brand_id);
        if (brandText.trim().toUpperCase() !== 'NULL') return bad('brand_id', brandText, 'is not a non-negative integer');
        brand_id = null;
      }
    }
    const month = digits(text, at.month);
    if (month < 1 || month > 12) return bad('month', field(text, at.month), 'is not a month 1-12');
    const day = digits(text, at.day);
    if (day < 1 || day > 31) return bad('day', field(text, at.day), 'is not a day 1-31');
    const action = digits(text, at.action);
    if (action < 0 || action > 3) return bad('action', field(text, at.action), 'is not an action code 0-3');
    const age_range = blank(text, at.age_range) ? 0 : digits(text, at.age_range);
    if (age_range < 0 || age_range > 8) return bad('age_range', field(text, at.age_range), 'is not an age range code 0-8');
    const gender = blank(text, at.gender) ? 2 : digits(text, at.gender);
    if (gender < 0 || gender > 2) return bad('gender', field(text, at.gender), 'is not a gender code 0, 1 or 2');
    // the one free-text field: bounded, so no row can make a window's result too large
    const provinceStart = starts[at.province]!;
    const provinceEnd = ends[at.province]!;
    if (provinceEnd - provinceStart > maxFieldBytes / 3) {
      const bytes = Buffer.byteLength(field(text, at.province));
      if (bytes > maxFieldBytes) return { ok: false, reason: `field province: ${bytes} bytes, more than ${maxFieldBytes}` };
    }
    const control = controlCharacterAt(text, provinceStart, provinceEnd);
    if (control !== -1) {
      const code = text.charCodeAt(control).toString(16).toUpperCase().padStart(4, '0');
      return { ok: false, reason: `field province: control character U+${code} at character ${control - provinceStart + 1}` };
    }
    const row: UserLogRow = {
      user_id, item_id, cat_id, merchant_id, brand_id, month, day,
      action: action as UserLogRow['action'], age_range, gender: gender as UserLogRow['gender'],
      province: field(text, at.province).trim(), ts: 0, line,
    };
    return { ok: true, row };
  };
}

function bad(field: string, value: string, problem: string): RowOutcome {
  return { ok: false, reason: `field ${field}: "${value.length > 40 ? value.slice(0, 40) + '…' : value}" ${problem}` };
}
