import type { Problem, ProblemCode } from './problem';

/** A record that could not be used, kept with enough context to find and replay it. */
export interface DeadLetter {
  /** why, as a stable code (e.g. bad_gender, column_count, not_json) */
  code: ProblemCode;
  /** why, in words naming the field or limit */
  reason: string;
  /** the raw line or record value as UTF-8, or base64 when `encoding` says so: at most
   *  DEAD_LETTER_RAW_LIMIT bytes of it (`truncated` then, `rawBytes` the whole length) */
  raw: string;
  encoding: 'utf8' | 'base64';
  /** the length of the whole raw line or record, in bytes */
  rawBytes: number;
  truncated: boolean;
  /** the path of the field at fault in a record of a declared source (properties.mag), when one is */
  field?: string;
  /** where it came from: a file line, or a topic/partition/offset */
  source: { file: string; line: number } | { topic: string; partition: number; offset: string };
  /** wall-clock ms when it was dead-lettered */
  at: number;
}

/** An event that arrived after its window had closed (beyond the allowed lateness). */
export interface LateEvent {
  job: string;
  windowStart: number;
  windowEnd: number;
  eventTs: number;
  /** the partition's watermark when the event arrived */
  watermark: number;
  source: { topic: string; partition: number; offset: string };
  /** the event as consumed */
  event: unknown;
}

/** The most raw bytes a dead letter carries, so a dead letter always fits in a Kafka record. */
export const DEAD_LETTER_RAW_LIMIT = 1024;
/** The longest reason a dead letter carries, in characters. */
export const DEAD_LETTER_REASON_LIMIT = 300;

/**
 * A dead letter for `bytes`, bounded whatever the input: the raw bytes cut to
 * DEAD_LETTER_RAW_LIMIT (text on a character boundary), the reason to DEAD_LETTER_REASON_LIMIT.
 * `totalBytes` is the whole record's length when `bytes` already holds only its start.
 */
export function boundedDeadLetter(
  { code, reason, field }: Problem,
  bytes: Buffer,
  encoding: DeadLetter['encoding'],
  source: DeadLetter['source'],
  at: number,
  totalBytes = bytes.length,
): DeadLetter {
  let end = Math.min(bytes.length, DEAD_LETTER_RAW_LIMIT);
  // back off to the start of a UTF-8 character (continuation bytes are 10xxxxxx)
  if (encoding === 'utf8' && end < bytes.length) while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  const raw = bytes.subarray(0, end);
  return {
    code,
    reason: reason.length > DEAD_LETTER_REASON_LIMIT ? `${reason.slice(0, DEAD_LETTER_REASON_LIMIT - 1)}…` : reason,
    raw: raw.toString(encoding),
    encoding,
    rawBytes: totalBytes,
    truncated: end < totalBytes,
    ...(field !== undefined ? { field } : {}),
    source,
    at,
  };
}

export function encodeJson(value: DeadLetter | LateEvent): Buffer {
  return Buffer.from(JSON.stringify(value));
}
