import { accept, Decoded, isIntegerIn, parseJsonObject, reject } from './decode-result';
import type { TextLineEvent } from './message-types';

export type { TextLineEvent } from './message-types';

/** The fields of a text-line event (what a job may count by or filter on). */
export const TEXT_LINE_FIELDS = ['text', 'source', 'ts'] as const satisfies readonly (keyof TextLineEvent)[];

export const MAX_TEXT_LINE_BYTES = 64 * 1024;

export function decodeTextLine(bytes: Buffer | string | null | undefined): Decoded<TextLineEvent> {
  const parsed = parseJsonObject(bytes);
  if (!parsed.ok) return parsed;
  const raw = parsed.value;
  if (typeof raw.text !== 'string') return reject('bad_text', 'field text: expected a string');
  if (!isIntegerIn(raw.ts, 0, Number.MAX_SAFE_INTEGER)) return reject('bad_ts', 'field ts: expected epoch milliseconds');
  if (typeof raw.source !== 'string') return reject('bad_source', 'field source: expected a string');
  return accept(raw as unknown as TextLineEvent);
}

export function encodeTextLine(event: TextLineEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}
