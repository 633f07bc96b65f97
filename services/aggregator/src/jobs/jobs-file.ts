import { z } from 'zod';
import { compileSource, INPUT_FORMATS } from '../sources/formats';
import type { InputSource } from '../sources/input-source';
import { compileJob, Job, jobDefinitionSchema, topicName } from './job-schema';

/** A source as written in the jobs file: a name, a topic, a format, and for `json` its fields and time. */
const sourceSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected lower-case letters, digits, _ and -'),
  topic: topicName,
  format: z.enum(INPUT_FORMATS),
  fields: z.unknown().optional(),
  time: z.unknown().optional(),
  maxRecordBytes: z.unknown().optional(),
});

/** The jobs file: an array of jobs (each naming a topic), or sources declared once and jobs naming them. */
const jobsFileSchema = z.union([z.array(z.unknown()), z.strictObject({ sources: z.array(z.unknown()).default([]), jobs: z.array(z.unknown()) })]);

export type JobsResult = { ok: true; jobs: Job[] } | { ok: false; errors: string[] };

/** Validates the jobs file; every error names the source or job (or its index) and the field. */
export function parseJobs(input: unknown): JobsResult {
  const file = jobsFileSchema.safeParse(input);
  if (!file.success) return { ok: false, errors: ['jobs: expected a JSON array of jobs, or an object with "sources" and "jobs"'] };
  const { sources: rawSources, jobs: rawJobs } = Array.isArray(file.data) ? { sources: [], jobs: file.data } : file.data;
  const errors: string[] = [];
  const sources = declaredSources(rawSources, errors);
  const jobs: Job[] = [];
  const names = new Set<string>();
  rawJobs.forEach((raw, index) => {
    const label = typeof (raw as { name?: unknown })?.name === 'string' ? `job "${(raw as { name: string }).name}"` : `job #${index + 1}`;
    const parsed = jobDefinitionSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push(`${label}: ${issue.path.join('.') || '(job)'}: ${issue.message}`);
      return;
    }
    const def = parsed.data;
    const input = sourceOf(def, sources);
    const compiled = typeof input === 'string' ? { ok: false as const, problems: [input] } : compileJob(def, input);
    if (names.has(def.name)) {
      if (compiled.ok) errors.push(`job "${def.name}": name: another job has the same name`);
      else compiled.problems.unshift('name: another job has the same name');
    }
    names.add(def.name);
    if (compiled.ok) jobs.push(compiled.job);
    else errors.push(...compiled.problems.map((p) => `job "${def.name}": ${p}`));
  });
  if (rawJobs.length === 0) errors.push('jobs: at least one job is needed');
  errors.push(...oneSourcePerTopic(jobs));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, jobs };
}

function declaredSources(raw: readonly unknown[], errors: string[]): Map<string, InputSource> {
  const sources = new Map<string, InputSource>();
  raw.forEach((entry, index) => {
    const parsed = sourceSchema.safeParse(entry);
    const label = typeof (entry as { name?: unknown })?.name === 'string' ? `source "${(entry as { name: string }).name}"` : `source #${index + 1}`;
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push(`${label}: ${issue.path.join('.') || '(source)'}: ${issue.message}`);
      return;
    }
    const { name, topic, format, fields, time, maxRecordBytes } = parsed.data;
    if (sources.has(name)) return void errors.push(`${label}: name: another source has the same name`);
    if (format !== 'json' && (fields !== undefined || time !== undefined))
      return void errors.push(`${label}: fields and time are declared for format "json" only`);
    const json = { fields, time, ...(maxRecordBytes !== undefined ? { maxRecordBytes } : {}) };
    const compiled = compileSource({ name, topic, format, json });
    // what the source reads (its name aside) is part of its jobs' fingerprints
    if (compiled.ok) sources.set(name, { ...compiled.source, declaration: { topic, format, ...json } });
    else errors.push(...compiled.errors);
  });
  return sources;
}

/** A declared source by name; otherwise the job names a topic, read in its `format` (user-action by default). */
function sourceOf(def: { source: string; format?: (typeof INPUT_FORMATS)[number] }, sources: ReadonlyMap<string, InputSource>): InputSource | string {
  const declared = sources.get(def.source);
  if (declared) return def.format === undefined ? declared : `format: source "${def.source}" is declared with its format; remove "format" from the job`;
  if (!topicName.safeParse(def.source).success) return `source: "${def.source}" is neither a declared source nor a Kafka topic name`;
  const format = def.format ?? 'user-action';
  if (format === 'json') return `format: a json topic needs its fields declared: add a source for ${def.source} to "sources" and name it here`;
  const implicit = compileSource({ name: def.source, topic: def.source, format });
  return implicit.ok ? implicit.source : implicit.errors.join('; ');
}

/** A topic's records are decoded one way: jobs on one topic must read it through one source. */
function oneSourcePerTopic(jobs: readonly Job[]): string[] {
  const first = new Map<string, Job>();
  const errors: string[] = [];
  for (const job of jobs) {
    const other = first.get(job.source);
    if (!other) first.set(job.source, job);
    else if (other.input.format !== job.input.format || other.input.name !== job.input.name) {
      errors.push(
        `job "${job.name}": reads topic ${job.source} as "${job.input.format}" (source "${job.input.name}") but job "${other.name}" reads it as "${other.input.format}" (source "${other.input.name}"); jobs on one topic need one source`,
      );
    }
  }
  return errors;
}
