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

/** Parses digits (optional surrounding spaces) without a regex; -1 when it is not one. */
function parseDigits(text: string): number {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 32) start += 1;
  while (end > start && text.charCodeAt(end - 1) === 32) end -= 1;
  if (end === start || end - start > 15) return NOT_AN_INTEGER;
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NOT_AN_INTEGER;
    value = value * 10 + digit;
  }
  return value;
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

export type RowParser = (record: string, line: number) => RowOutcome;

/**
 * Builds a parser for records in `columns` order. It turns one decoded record into a row,
 * or a reason naming the field that is wrong. Empty gender means unknown (2), empty
 * age_range unknown (0), empty or NULL brand_id null.
 */
export function createRowParser(columns: readonly UserLogColumn[]): RowParser {
  const at = Object.fromEntries(columns.map((name, i) => [name, i])) as Record<UserLogColumn, number>;
  const count = columns.length;

  return (record, line) => {
    const fields = splitFields(record);
    if (typeof fields === 'string') return { ok: false, reason: fields };
    if (fields.length !== count) return { ok: false, reason: `expected ${count} columns, found ${fields.length}` };
    const id = (name: 'user_id' | 'item_id' | 'cat_id' | 'merchant_id'): number => parseDigits(fields[at[name]]!);
    const user_id = id('user_id');
    const item_id = id('item_id');
    const cat_id = id('cat_id');
    const merchant_id = id('merchant_id');
    for (const [name, value] of [['user_id', user_id], ['item_id', item_id], ['cat_id', cat_id], ['merchant_id', merchant_id]] as const) {
      if (value === NOT_AN_INTEGER) return bad(name, fields[at[name]]!, 'is not a non-negative integer');
    }
    const brandText = fields[at.brand_id]!;
    let brand_id: number | null = null;
    if (!isBlank(brandText) && brandText.trim().toUpperCase() !== 'NULL') {
      brand_id = parseDigits(brandText);
      if (brand_id === NOT_AN_INTEGER) return bad('brand_id', brandText, 'is not a non-negative integer');
    }
    const month = parseDigits(fields[at.month]!);
    if (month < 1 || month > 12) return bad('month', fields[at.month]!, 'is not a month 1-12');
    const day = parseDigits(fields[at.day]!);
    if (day < 1 || day > 31) return bad('day', fields[at.day]!, 'is not a day 1-31');
    const action = parseDigits(fields[at.action]!);
    if (action < 0 || action > 3) return bad('action', fields[at.action]!, 'is not an action code 0-3');
    const ageText = fields[at.age_range]!;
    const age_range = isBlank(ageText) ? 0 : parseDigits(ageText);
    if (age_range < 0 || age_range > 8) return bad('age_range', ageText, 'is not an age range code 0-8');
    const genderText = fields[at.gender]!;
    const gender = isBlank(genderText) ? 2 : parseDigits(genderText);
    if (gender < 0 || gender > 2) return bad('gender', genderText, 'is not a gender code 0, 1 or 2');
    const row: UserLogRow = {
      user_id, item_id, cat_id, merchant_id, brand_id, month, day,
      action: action as UserLogRow['action'], age_range, gender: gender as UserLogRow['gender'],
      province: fields[at.province]!.trim(), ts: 0, line,
    };
    return { ok: true, row };
  };
}

function bad(field: string, value: string, problem: string): RowOutcome {
  return { ok: false, reason: `field ${field}: "${value.length > 40 ? value.slice(0, 40) + '…' : value}" ${problem}` };
}
