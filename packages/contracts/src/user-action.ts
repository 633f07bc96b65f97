import { accept, Decoded, isIntegerIn, parseJsonObject, reject } from './decode-result';
import { readCanonicalUserAction } from './user-action-reader';

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

export const USER_ACTION_FIELDS = [
  'user_id', 'item_id', 'cat_id', 'merchant_id', 'brand_id', 'month', 'day', 'action', 'age_range', 'gender', 'province',
] as const;

const ID_MAX = Number.MAX_SAFE_INTEGER;

/** Validates a decoded object as a UserActionEvent; the error names the first bad field. */
export function validateUserAction(raw: Record<string, unknown>): Decoded<UserActionEvent> {
  for (const field of ['user_id', 'item_id', 'cat_id', 'merchant_id'] as const) {
    if (!isIntegerIn(raw[field], 0, ID_MAX)) return reject(`field ${field}: expected a non-negative integer`);
  }
  if (raw.brand_id !== null && !isIntegerIn(raw.brand_id, 0, ID_MAX)) {
    return reject('field brand_id: expected a non-negative integer or null');
  }
  if (!isIntegerIn(raw.month, 1, 12)) return reject('field month: expected an integer 1-12');
  if (!isIntegerIn(raw.day, 1, 31)) return reject('field day: expected an integer 1-31');
  if (!isIntegerIn(raw.action, 0, 3)) return reject('field action: expected 0, 1, 2 or 3');
  if (!isIntegerIn(raw.age_range, 0, 8)) return reject('field age_range: expected an integer 0-8');
  if (!isIntegerIn(raw.gender, 0, 2)) return reject('field gender: expected 0, 1 or 2');
  if (typeof raw.province !== 'string') return reject('field province: expected a string');
  if (!isIntegerIn(raw.ts, 0, ID_MAX)) return reject('field ts: expected epoch milliseconds');
  if (!isIntegerIn(raw.line, 1, ID_MAX)) return reject('field line: expected a positive integer');
  return accept(raw as unknown as UserActionEvent);
}

export function decodeUserAction(bytes: Buffer | string | null | undefined): Decoded<UserActionEvent> {
  // the common case, our own producer's layout, without JSON.parse; anything else is parsed
  const canonical = Buffer.isBuffer(bytes) ? readCanonicalUserAction(bytes) : undefined;
  if (canonical) return validateUserAction(canonical as unknown as Record<string, unknown>);
  const parsed = parseJsonObject(bytes);
  return parsed.ok ? validateUserAction(parsed.value) : parsed;
}

export function encodeUserAction(event: UserActionEvent): Buffer {
  return Buffer.from(encodeUserActionText(event));
}

/**
 * The event's JSON text, byte for byte what JSON.stringify gives for the same field order,
 * built without the generic serialiser: the producer encodes hundreds of thousands a second.
 */
export function encodeUserActionText(e: UserActionEvent): string {
  return `{"user_id":${e.user_id},"item_id":${e.item_id},"cat_id":${e.cat_id},"merchant_id":${e.merchant_id},` +
    `"brand_id":${e.brand_id},"month":${e.month},"day":${e.day},"action":${e.action},"age_range":${e.age_range},` +
    `"gender":${e.gender},"province":${JSON.stringify(e.province)},"ts":${e.ts},"line":${e.line}}`;
}
