import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import { accept, type Decoded, parseJsonObject } from '../decode-result';
import type { ProblemCode } from '../problem';
import { parseFieldPath, type PathStep, valueAt } from './field-path';
import { timeReader, type TimeReader } from './time-formats';

export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'timestamp'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A declared field's name: what keys, filters and results call it (its path says where it is). */
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** the event time's name in every event: no field may take it */
export const EVENT_TIME = 'ts';
export const DEFAULT_MAX_TEXT_LENGTH = 256;
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

/** One field of a JSON source, as written in the jobs file (or a producer schema). */
export const fieldDeclarationSchema = z.strictObject({
  /** where it is in the record (default: its name at the top level) */
  path: z.string().min(1).optional(),
  type: z.enum(FIELD_TYPES),
  /** a missing or null value is then null instead of a dead letter */
  optional: z.boolean().default(false),
  /** timestamp fields: epoch-ms (default), epoch-s, iso-8601 or a pattern such as yyyy/MM/dd HH:mm */
  format: z.string().min(1).optional(),
  /** timestamp fields with a pattern: UTC (default), an offset such as +02:00, or an IANA zone */
  zone: z.string().min(1).optional(),
  /** the producer, replaying a CSV file: the column it comes from, as the header writes it (default: its name) */
  column: z.string().min(1).max(256).optional(),
  /** string fields: the most characters a value may have (default 256) */
  maxLength: z.number().int().min(1).max(65_536).optional(),
});
export type FieldDeclaration = z.input<typeof fieldDeclarationSchema>;

/** What a JSON source's records hold, and where its event time comes from. */
export const jsonDeclarationSchema = z.strictObject({
  fields: z.record(z.string(), fieldDeclarationSchema),
  /** the declared timestamp field that is the event time, or "kafka": the record's own timestamp */
  time: z.string().min(1),
  /** a larger record is a dead letter (default 1 MiB) */
  maxRecordBytes: z
    .number()
    .int()
    .min(64)
    .max(16 * 1024 * 1024)
    .default(DEFAULT_MAX_RECORD_BYTES),
});
export type JsonDeclaration = z.input<typeof jsonDeclarationSchema>;

/** A decoded record: its declared fields by name (null where an optional one is missing) and `ts`, its event time (ms). */
export type SourceEvent = Record<string, string | number | boolean | null> & { ts: number };

export type JsonFailure = { ok: false; code: ProblemCode; error: string; field?: string };

export interface CompiledField {
  name: string;
  path: string;
  /** the CSV column it comes from (a producer replaying a CSV file) */
  column: string;
  steps: readonly PathStep[];
  type: FieldType;
  optional: boolean;
  maxLength: number;
  time?: TimeReader;
  /** timestamp fields: their format as declared (epoch-ms by default) */
  timeFormat?: string;
}

/** Reads the records of one declared JSON source: bytes in, an event or the reason (code, field, path) out. */
export class JsonRecordReader {
  private constructor(
    readonly source: string,
    readonly fields: readonly CompiledField[],
    /** the timestamp field that is the event time, or "kafka" */
    readonly timeField: string,
    readonly maxRecordBytes: number,
  ) {}

  /** The declared field names and their types, for keys, filters and descriptions. */
  get fieldTypes(): ReadonlyMap<string, FieldType> {
    return new Map(this.fields.map((f) => [f.name, f.type]));
  }

  /** The fields every event read has (not optional: a record without one is refused). */
  get requiredFields(): ReadonlySet<string> {
    return new Set(this.fields.filter((f) => !f.optional).map((f) => f.name));
  }

  /** Compiles a declaration; every mistake names the source, the field and what was expected. */
  static compile(source: string, raw: unknown): { ok: true; reader: JsonRecordReader } | { ok: false; errors: string[] } {
    const parsed = jsonDeclarationSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => `source "${source}": ${i.path.join('.') || '(source)'}: ${i.message}`) };
    const errors: string[] = [];
    const fields: CompiledField[] = [];
    for (const [name, declared] of Object.entries(parsed.data.fields)) {
      const compiled = compileField(name, declared);
      if (typeof compiled === 'string') errors.push(`source "${source}": fields.${name}: ${compiled}`);
      else fields.push(compiled);
    }
    const { time } = parsed.data;
    const timeField = fields.find((f) => f.name === time);
    if (time !== 'kafka' && !timeField)
      errors.push(`source "${source}": time: "${time}" is not a declared field; name a timestamp field, or "kafka" for the record's own timestamp`);
    else if (timeField && (timeField.type !== 'timestamp' || timeField.optional))
      errors.push(`source "${source}": time: field "${time}" must be a timestamp that is not optional`);
    if (errors.length > 0) return { ok: false, errors };
    return { ok: true, reader: new JsonRecordReader(source, fields, time, parsed.data.maxRecordBytes) };
  }

  /** One record; `recordTimestamp` is Kafka's (ms), used when the time is "kafka". */
  read(bytes: Buffer | null, recordTimestamp?: number): Decoded<SourceEvent> | JsonFailure {
    if (bytes && bytes.length > this.maxRecordBytes)
      return this.fail('too_large', `record: ${bytes.length} bytes, more than maxRecordBytes (${this.maxRecordBytes})`);
    if (bytes && !isUtf8(bytes)) return this.fail('undecodable', 'record: not valid UTF-8');
    const parsed = parseJsonObject(bytes);
    if (!parsed.ok) return this.fail(parsed.code, parsed.error);
    return this.readObject(parsed.value, recordTimestamp);
  }

  /** One record already parsed (a producer's CSV row made an object): its declared fields, checked. */
  readObject(record: Record<string, unknown>, recordTimestamp?: number): Decoded<SourceEvent> | JsonFailure {
    const event: Record<string, string | number | boolean | null> = {};
    for (const field of this.fields) {
      const value = this.value(field, valueAt(record, field.steps));
      if (typeof value === 'object' && value !== null) return value;
      event[field.name] = value;
    }
    const ts = this.timeField === 'kafka' ? Number(recordTimestamp) : (event[this.timeField] as number);
    if (!Number.isFinite(ts)) return this.fail('bad_time', 'record: no Kafka timestamp to take the event time from');
    event[EVENT_TIME] = ts;
    return accept(event as SourceEvent);
  }

  private value(field: CompiledField, value: unknown): string | number | boolean | null | JsonFailure {
    if (value === undefined || value === null) {
      return field.optional ? null : this.fail('missing_field', `${this.at(field)}: missing (declared as not optional)`, field.path);
    }
    switch (field.type) {
      case 'string':
        if (typeof value !== 'string') return this.wrongType(field, 'text', value);
        if (value.length > field.maxLength)
          return this.fail('too_large', `${this.at(field)}: ${value.length} characters, more than maxLength (${field.maxLength})`, field.path);
        return value;
      case 'integer':
        return Number.isSafeInteger(value) ? (value as number) : this.wrongType(field, 'an integer', value);
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) ? value : this.wrongType(field, 'a number', value);
      case 'boolean':
        return typeof value === 'boolean' ? value : this.wrongType(field, 'true or false', value);
      case 'timestamp': {
        const ms = field.time!(value);
        return typeof ms === 'number' ? ms : this.fail('bad_time', `${this.at(field)}: ${ms.error}`, field.path);
      }
    }
  }

  private wrongType(field: CompiledField, expected: string, value: unknown): JsonFailure {
    const shown = JSON.stringify(value);
    return this.fail('wrong_type', `${this.at(field)}: expected ${expected}, got ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`, field.path);
  }

  private at(field: CompiledField): string {
    return `field "${field.name}" (${field.path})`;
  }

  private fail(code: ProblemCode, error: string, field?: string): JsonFailure {
    return { ok: false, code, error: `source "${this.source}": ${error}`, ...(field !== undefined ? { field } : {}) };
  }
}

function compileField(name: string, declared: z.output<typeof fieldDeclarationSchema>): CompiledField | string {
  if (!FIELD_NAME.test(name)) return 'expected a field name: letters, digits and _, not starting with a digit';
  if (name === EVENT_TIME) return `"${EVENT_TIME}" is the event time's name; call the field something else`;
  const path = declared.path ?? name;
  const steps = parseFieldPath(path);
  if (typeof steps === 'string') return `path "${path}": ${steps}`;
  if (declared.type !== 'timestamp' && (declared.format !== undefined || declared.zone !== undefined)) return 'format and zone are for timestamp fields';
  if (declared.type !== 'string' && declared.maxLength !== undefined) return 'maxLength is for string fields';
  const field: CompiledField = {
    name,
    path,
    column: declared.column ?? name,
    steps,
    type: declared.type,
    optional: declared.optional,
    maxLength: declared.maxLength ?? DEFAULT_MAX_TEXT_LENGTH,
  };
  if (declared.type === 'timestamp') {
    const reader = timeReader(declared.format ?? 'epoch-ms', declared.zone);
    if (typeof reader === 'string') return reader;
    field.time = reader;
    field.timeFormat = declared.format ?? 'epoch-ms';
  }
  return field;
}
