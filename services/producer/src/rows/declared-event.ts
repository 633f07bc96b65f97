import type { SourceEvent } from '@streamtally/contracts/sources';
import type { BatchSender } from '../replay/batch-sender';
import { type EventTopic, type RowProblem, tooLargeForTopic } from './event-rows';

/** What a replay of a declared source is told: its declaration, and the field that keys its records. */
export interface DeclaredSourceSpec {
  /** the source's name, as declared */
  name: string;
  /** its `json` declaration as written: fields, time, maxRecordBytes */
  declaration: unknown;
  /** the declared field whose value keys each Kafka record (same key, same partition); none: spread evenly */
  keyField?: string;
}

/** A declared field's value as a record key: text as it is, numbers and booleans written out, null for none. */
export function keyText(value: SourceEvent[string] | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}

/**
 * The event a declared source's row became, ready for the sender: its key and JSON value,
 * checked against what the topic takes. Shared by the CSV and JSON kinds.
 */
export class DeclaredEvent {
  private key: string | null = null;
  private value: Buffer | string = '';

  constructor(
    private readonly events: EventTopic,
    private readonly keyField: string | undefined,
  ) {}

  set(event: SourceEvent, value: Buffer | string): RowProblem | undefined {
    this.key = this.keyField === undefined ? null : keyText(event[this.keyField]);
    this.value = value;
    const keyBytes = this.key === null ? 0 : Buffer.byteLength(this.key);
    const bytes = keyBytes + (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
    return bytes > this.events.maxRecordBytes ? tooLargeForTopic(this.events, bytes) : undefined;
  }

  addTo(sender: BatchSender): Promise<void> | undefined {
    return sender.add(this.events.topic, { key: this.key, value: this.value });
  }
}

/** A reader's refusal as a row problem: its code, words, and the field's path. */
export function refusal(failure: { code: RowProblem['code']; error: string; field?: string }): RowProblem {
  return { code: failure.code, reason: failure.error, ...(failure.field !== undefined ? { field: failure.field } : {}) };
}
