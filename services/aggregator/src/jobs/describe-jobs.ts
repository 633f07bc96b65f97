import type { JobDescription, JobDescriptions, JobProgress } from '@streamtally/contracts';
import type { Job } from './job-schema';

/** A job as readers of its results need it (contracts' JobDescription): no code, only what it counts, and how far it has. */
export function describeJob(job: Job, progress?: JobProgress): JobDescription {
  const { input, key } = job;
  const keyFields = 'fields' in key ? key.fields : [key.words];
  return {
    name: job.name,
    ...(job.title !== undefined ? { title: job.title } : {}),
    source: { name: input.name, topic: input.topic, format: input.format },
    window: { ...job.window },
    key: 'fields' in key ? { fields: [...key.fields] } : { words: key.words },
    keyTypes: Object.fromEntries(keyFields.map((field) => [field, input.fields.get(field) ?? 'string'])),
    ...(job.filterText !== undefined ? { filter: job.filterText } : {}),
    maxKeys: job.maxKeys,
    allowedLatenessMs: job.allowedLatenessMs,
    emit: job.emit,
    generation: job.generation,
    startFrom: typeof job.startFrom === 'object' ? new Date(job.startFrom.atMs).toISOString() : job.startFrom,
    ...(progress ? { progress } : {}),
    ...(job.aggregates.length > 0
      ? {
          holds: 'aggregates' as const,
          aggregates: job.aggregates.map(({ name, op, field, decimals, approximate, folds }) => ({
            name,
            op,
            ...(field !== undefined ? { field } : {}),
            decimals,
            ...(approximate ? { approximate } : {}),
            ...(folds === false ? { foldsIntoOther: folds } : {}),
          })),
          ...(job.orderBy !== undefined ? { orderBy: job.aggregates[job.orderBy]!.name } : {}),
        }
      : { holds: 'counts' as const }),
  };
}

/** Every job of the jobs file, described at `now` with their progress when known: the record the aggregator writes at start and while jobs backfill. */
export function describeJobs(jobs: readonly Job[], now: number, progress?: ReadonlyMap<string, JobProgress>): JobDescriptions {
  return { jobs: jobs.map((job) => describeJob(job, progress?.get(job.name))), writtenAt: now };
}
