/** A record that could not be used, kept with enough context to find and replay it. */
export interface DeadLetter {
  reason: string;
  /** the raw line or record value as UTF-8 (invalid bytes replaced), or base64 when `encoding` says so */
  raw: string;
  encoding: 'utf8' | 'base64';
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

export function encodeJson(value: DeadLetter | LateEvent): Buffer {
  return Buffer.from(JSON.stringify(value));
}
