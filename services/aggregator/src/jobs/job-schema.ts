import { createHash } from 'node:crypto';
import { z } from 'zod';
import { compileFilter, EventFilter } from './filter';
import type { InputSource } from '../sources/input-source';
import { INPUT_FORMATS, type InputFormatName } from '../sources/formats';
import { type WindowSpec, windowSchema, windowTypeOf } from '../windowing/window-types/registry';
import type { Aggregate, StateCell } from '../aggregates/aggregate';
import { aggregateDefinitionSchema, compileAggregates, MAX_AGGREGATES_PER_JOB } from '../aggregates/registry';

export const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name');

/** One job as written in the jobs file (JSON). */
export const jobDefinitionSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lower-case letters, digits and dashes'),
  /** a heading for people: the page's panel title (default: the name) */
  title: z.string().min(1).max(120).optional(),
  /** a declared source's name, or a topic (read in `format`) */
  source: z.string().min(1),
  /** for a job that names a topic: what the topic carries (a declared source has its own) */
  format: z.enum(INPUT_FORMATS).optional(),
  filter: z.string().optional(),
  /** count by one field, by several (a composite key), or by each word of a text field */
  key: z.union([z.strictObject({ field: z.string() }), z.strictObject({ fields: z.array(z.string()).min(1).max(8) }), z.strictObject({ words: z.string() })]),
  /** one of the window types of windowing/window-types */
  window: windowSchema,
  allowedLatenessMs: z.number().int().min(0).default(1000),
  emitEveryMs: z.number().int().min(50).default(250),
  /** the most keys a window's result lists; the rest are summed under `other` */
  maxKeys: z.number().int().min(1).max(100_000).default(1000),
  /** what each key gets besides its event count (default: the count only) */
  aggregates: z.array(aggregateDefinitionSchema).min(1).max(MAX_AGGREGATES_PER_JOB).optional(),
  /** the aggregate keys are ranked by, largest first, for maxKeys and the page (default: the event count) */
  orderBy: z.string().optional(),
  /** `changes`: provisional results while a window is open, then its final; `final`: its final result only */
  emit: z.enum(['changes', 'final']).default('changes'),
  /**
   * where a new job (or a new generation of a changed one) starts reading its source:
   * `earliest` (the oldest record Kafka still holds), `latest` (only what comes next), or a
   * time (ISO-8601 with offset, or epoch ms): the first record written at or after it
   */
  startFrom: z
    .union([z.enum(['earliest', 'latest']), z.iso.datetime({ offset: true }), z.number().int().min(0)], {
      error: 'expected "earliest", "latest", an ISO-8601 time with offset, or epoch ms',
    })
    .default('earliest'),
});
export type JobDefinition = z.output<typeof jobDefinitionSchema>;

/** A validated job, ready to run. */
export interface Job {
  name: string;
  title?: string;
  /** the topic it reads */
  source: string;
  input: InputSource;
  filter?: EventFilter;
  /** the filter as written, for the job's description */
  filterText?: string;
  /** one field or several (a composite key: its values as a JSON array), or the words of a text field */
  key: { fields: readonly string[] } | { words: string };
  window: WindowSpec;
  allowedLatenessMs: number;
  emitEveryMs: number;
  maxKeys: number;
  /** what each key gets besides its event count; empty: the count only */
  aggregates: readonly Aggregate[];
  /** every aggregate's state cells, in order: what a window keeps per key besides its count */
  cells: readonly StateCell[];
  /** the index in `aggregates` keys are ranked by; undefined: by event count */
  orderBy?: number;
  /** which results it writes: provisional ones and the final (`changes`), or the final only */
  emit: 'changes' | 'final';
  /** where a new generation starts reading: `earliest`, `latest`, or a time (epoch ms) */
  startFrom: StartFrom;
  /**
   * what the job counts, as a hash of every part of its definition its state depends on
   * (source declaration, filter, key, window, lateness, aggregates): a change of any of them
   * starts a new generation; a change of how results are shown (title, maxKeys, orderBy,
   * emit, emitEveryMs) does not
   */
  fingerprint: string;
  /** which definition of the job runs: 1 until Redis says otherwise (see jobs/job-registry) */
  generation: number;
  /** the name its state is kept under in Redis: the name for generation 1, `name~gN` after */
  stateId: string;
}

export type StartFrom = 'earliest' | 'latest' | { atMs: number };

/** The source a job reads: a declared one by name, or an implicit one for a topic. */
export type SourceOf = (def: JobDefinition) => { ok: true; source: InputSource } | { ok: false; error: string };

/** Checks one job against its source; every problem names the part of the job and what was expected. */
export function compileJob(def: JobDefinition, input: InputSource): { ok: true; job: Job } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const declared = [...input.fields.keys()];
  const known = (field: string) => input.fields.has(field);
  const fieldsNote = `(fields of source "${input.name}": ${declared.join(', ')})`;
  const key = keyOf(def.key);
  const keyFields = 'fields' in key ? key.fields : [key.words];
  for (const field of keyFields) if (!known(field)) problems.push(`key: unknown field "${field}" ${fieldsNote}`);
  if (new Set(keyFields).size !== keyFields.length) problems.push('key.fields: a field appears twice');
  if ('words' in key && known(key.words) && input.fields.get(key.words) !== 'string') problems.push(`key.words: field "${key.words}" is not text`);
  const windowType = windowTypeOf(def.window);
  problems.push(...windowType.problems(def.window));
  let filter: EventFilter | undefined;
  if (def.filter !== undefined) {
    const compiled = compileFilter(def.filter, input.fields);
    if (typeof compiled === 'string') problems.push(`filter: ${compiled}`);
    else filter = compiled;
  }
  const aggregates = compileAggregates(def.aggregates ?? [], input.fields, fieldsNote, input.requiredFields);
  if (!aggregates.ok) problems.push(...aggregates.problems);
  const orderBy = def.orderBy === undefined ? undefined : (def.aggregates ?? []).findIndex((a) => a.name === def.orderBy);
  if (orderBy === -1)
    problems.push(`orderBy: "${def.orderBy}" is none of the job's aggregates (${(def.aggregates ?? []).map((a) => a.name).join(', ') || 'it has none'})`);
  if (def.emit === 'final' && !windowType.closes)
    problems.push(`emit: "final" needs a window that closes; a ${def.window.type} window never does (use "changes")`);
  if (problems.length > 0 || !aggregates.ok) return { ok: false, problems };
  const { name, window, allowedLatenessMs, emitEveryMs, maxKeys, emit } = def;
  const fingerprint = fingerprintOf(def, input);
  const described = {
    ...(def.title !== undefined ? { title: def.title } : {}),
    ...(filter ? { filter, filterText: def.filter! } : {}),
    ...(orderBy !== undefined ? { orderBy } : {}),
  };
  const job: Job = {
    name,
    source: input.topic,
    input,
    ...described,
    key,
    window,
    allowedLatenessMs,
    emitEveryMs,
    maxKeys,
    emit,
    startFrom: startFromOf(def.startFrom),
    fingerprint,
    generation: 1,
    stateId: name,
    ...withCells(aggregates.aggregates),
  };
  return { ok: true, job };
}

export type { InputFormatName };

/**
 * The layout of aggregates' state cells in Redis (2: a window's number cells in one hash),
 * part of a fingerprint: an upgrade that changes it starts a new generation of each job with
 * aggregates beyond counts, which counts its source again (README, "Job lifecycle").
 */
const CELLS_LAYOUT = 2;

/** What the job's state depends on, hashed: the same definition gives the same fingerprint on every instance. */
function fingerprintOf(def: JobDefinition, input: InputSource): string {
  const counted = {
    source: input.declaration ?? { topic: input.topic, format: input.format },
    filter: def.filter ?? null,
    key: keyOf(def.key),
    window: def.window,
    allowedLatenessMs: def.allowedLatenessMs,
    aggregates: def.aggregates ?? [],
    // how its aggregates' state is laid out in Redis: a job kept in an older layout is counted again
    ...(def.aggregates?.some((a) => a.op !== 'count') ? { cellsLayout: CELLS_LAYOUT } : {}),
  };
  return createHash('sha256').update(canonicalJson(counted)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted: the same definition written in another order is the same job. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function startFromOf(raw: JobDefinition['startFrom']): StartFrom {
  if (raw === 'earliest' || raw === 'latest') return raw;
  return { atMs: typeof raw === 'number' ? raw : Date.parse(raw) };
}

function withCells(aggregates: readonly Aggregate[]): Pick<Job, 'aggregates' | 'cells'> {
  return { aggregates, cells: aggregates.flatMap((a) => a.cells) };
}

/** `{ field }` is the one-field case of `{ fields }`. */
function keyOf(key: JobDefinition['key']): Job['key'] {
  if ('words' in key) return { words: key.words };
  return { fields: 'field' in key ? [key.field] : key.fields };
}
