import { z } from 'zod';
import { TEXT_LINE_FIELDS, USER_ACTION_JOB_FIELDS } from '@streamtally/contracts';
import { compileFilter, EventFilter } from './filter';
import { WindowSpec } from '../windowing/windows';

const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name');

/** One job as written in the jobs file (JSON). */
export const jobDefinitionSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lower-case letters, digits and dashes'),
  source: topicName,
  /** what the source topic carries */
  format: z.enum(['user-action', 'text-line']).default('user-action'),
  filter: z.string().optional(),
  /** count by one field of the event, or by each word of a text field */
  key: z.union([z.strictObject({ field: z.string() }), z.strictObject({ words: z.string() })]),
  window: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('tumbling'), sizeMs: z.number().int().positive() }),
    z.strictObject({ type: z.literal('hopping'), sizeMs: z.number().int().positive(), slideMs: z.number().int().positive() }),
    z.strictObject({ type: z.literal('running') }),
  ]),
  allowedLatenessMs: z.number().int().min(0).default(1000),
  emitEveryMs: z.number().int().min(50).default(250),
  /** the most keys a window's result lists; the rest are summed under `other` */
  maxKeys: z.number().int().min(1).max(100_000).default(1000),
});

/** A validated job, ready to run. */
export interface Job {
  name: string;
  source: string;
  format: 'user-action' | 'text-line';
  filter?: EventFilter;
  key: { field: string } | { words: string };
  window: WindowSpec;
  allowedLatenessMs: number;
  emitEveryMs: number;
  maxKeys: number;
}

const FIELDS_OF = { 'user-action': USER_ACTION_JOB_FIELDS, 'text-line': TEXT_LINE_FIELDS } as const;

export type JobsResult = { ok: true; jobs: Job[] } | { ok: false; errors: string[] };

/** Validates job definitions; every error names the job (or its index) and the field. */
export function parseJobs(input: unknown): JobsResult {
  if (!Array.isArray(input)) return { ok: false, errors: ['jobs: expected a JSON array of job definitions'] };
  const errors: string[] = [];
  const jobs: Job[] = [];
  const names = new Set<string>();
  input.forEach((raw, index) => {
    const label = typeof (raw as { name?: unknown })?.name === 'string' ? `job "${(raw as { name: string }).name}"` : `job #${index + 1}`;
    const parsed = jobDefinitionSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push(`${label}: ${issue.path.join('.') || '(job)'}: ${issue.message}`);
      return;
    }
    const def = parsed.data;
    const fields: readonly string[] = FIELDS_OF[def.format];
    const problems: string[] = [];
    if (names.has(def.name)) problems.push('name: another job has the same name');
    names.add(def.name);
    const keyField = 'field' in def.key ? def.key.field : def.key.words;
    if (!fields.includes(keyField)) problems.push(`key: unknown field "${keyField}" for format ${def.format} (fields: ${fields.join(', ')})`);
    if ('words' in def.key && def.format !== 'text-line') problems.push('key.words: splitting words needs format "text-line"');
    if (def.window.type === 'hopping') {
      if (def.window.slideMs > def.window.sizeMs) problems.push('window.slideMs: must not exceed window.sizeMs');
      else if (def.window.sizeMs % def.window.slideMs !== 0) problems.push('window.slideMs: must divide window.sizeMs');
      else if (def.window.sizeMs / def.window.slideMs > 100) problems.push('window: at most 100 windows per event (sizeMs / slideMs)');
    }
    let filter: EventFilter | undefined;
    if (def.filter !== undefined) {
      const compiled = compileFilter(def.filter, fields);
      if (typeof compiled === 'string') problems.push(`filter: ${compiled}`);
      else filter = compiled;
    }
    if (problems.length > 0) {
      errors.push(...problems.map((p) => `job "${def.name}": ${p}`));
      return;
    }
    jobs.push({
      name: def.name,
      source: def.source,
      format: def.format,
      filter,
      key: def.key,
      window: def.window,
      allowedLatenessMs: def.allowedLatenessMs,
      emitEveryMs: def.emitEveryMs,
      maxKeys: def.maxKeys,
    });
  });
  if (input.length === 0) errors.push('jobs: at least one job is needed');
  // a topic's records are decoded one way: jobs that disagree would see the first job's format
  const formatOf = new Map<string, Job>();
  for (const job of jobs) {
    const first = formatOf.get(job.source);
    if (!first) formatOf.set(job.source, job);
    else if (first.format !== job.format) {
      errors.push(
        `job "${job.name}": format: "${job.format}" but job "${first.name}" reads topic ${job.source} as "${first.format}"; jobs on one topic need one format`,
      );
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, jobs };
}
