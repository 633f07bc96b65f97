import { accept, Decoded, isIntegerIn, parseJsonObject, reject } from './decode-result';
import { fieldError, USER_ACTION_FIELD_TABLE, encodeUserActionText, type UserActionEvent } from './user-action-fields';
import { readCanonicalUserAction } from './user-action-reader';

/** Validates a decoded object as a UserActionEvent against the field table; the error names the first bad field. */
export function validateUserAction(raw: Record<string, unknown>): Decoded<UserActionEvent> {
  for (const field of USER_ACTION_FIELD_TABLE) {
    const value = raw[field.name];
    const valid = field.type === 'text' ? typeof value === 'string' : isIntegerIn(value, field.min, field.max) || (field.nullable === true && value === null);
    if (!valid) return reject(`bad_${field.name}`, fieldError(field));
  }
  return accept(raw as unknown as UserActionEvent);
}

export function decodeUserAction(bytes: Buffer | string | null | undefined): Decoded<UserActionEvent> {
  // the common case, our own producer's layout, without JSON.parse; anything else is parsed
  const canonical = Buffer.isBuffer(bytes) ? readCanonicalUserAction(bytes) : undefined;
  if (canonical) return canonical;
  const parsed = parseJsonObject(bytes);
  return parsed.ok ? validateUserAction(parsed.value) : parsed;
}

export function encodeUserAction(event: UserActionEvent): Buffer {
  return Buffer.from(encodeUserActionText(event));
}
