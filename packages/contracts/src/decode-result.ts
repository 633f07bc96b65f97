import type { ProblemCode } from './problem';

/** Outcome of validating untrusted input: the value, or a stable code and a reason that names the field. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; code: ProblemCode; error: string };

export const accept = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const reject = <T>(code: ProblemCode, error: string): Decoded<T> => ({ ok: false, code, error });

export function parseJsonObject(bytes: Buffer | string | null | undefined): Decoded<Record<string, unknown>> {
  if (bytes === null || bytes === undefined) return reject('no_value', 'record has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (err) {
    return reject('not_json', `value is not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return reject('not_an_object', 'value is not a JSON object');
  }
  return accept(parsed as Record<string, unknown>);
}

export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
