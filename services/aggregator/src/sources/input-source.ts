import type { Decoded } from '@streamtally/contracts';
import type { FieldType, SourceEvent } from '@streamtally/contracts/sources';

/** A Kafka record as the aggregator reads it. */
export interface InputRecord {
  offset: string;
  value: Buffer | null;
  /** Kafka's record timestamp (ms, as kafkajs gives it): when the record was written */
  timestamp?: string;
}

/** A refused record: its problem code, the reason, and the path of the field at fault when one is. */
export type InputFailure = { ok: false; code: Extract<Decoded<never>, { ok: false }>['code']; error: string; field?: string };

/**
 * Where a job's events come from: a topic and the format its records are in. The one seam
 * between the formats and the rest: decoding, field extraction and event time live behind
 * `decode`; windowing, keys, filters and state see only events of named fields and `ts`.
 */
export interface InputSource {
  /** the declared name (or, for a job that names a topic, the topic) */
  name: string;
  topic: string;
  format: string;
  /** the fields keys and filters may use, and their types */
  fields: ReadonlyMap<string, FieldType>;
  /** the fields every decoded event has, never null (absent: none is promised) */
  requiredFields?: ReadonlySet<string>;
  /** the source as declared in the jobs file (part of its jobs' fingerprints); absent for a topic's implicit source */
  declaration?: unknown;
  decode(record: InputRecord): Decoded<SourceEvent> | InputFailure;
}

/** A source of a fixed format: its fields known in advance, its decoder given. */
export function fixedFormatSource(
  format: string,
  fields: ReadonlyMap<string, FieldType>,
  decode: (value: Buffer | null) => Decoded<unknown>,
): (name: string, topic: string) => InputSource {
  // the fixed formats' event types are interfaces: the same values, without an index signature
  return (name, topic) => ({ name, topic, format, fields, decode: (record) => decode(record.value) as Decoded<SourceEvent> });
}
