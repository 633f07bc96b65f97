import { accept, type Decoded, parseJsonObject, reject } from './decode-result';

/**
 * What a job counts, as the aggregator describes it on the job-descriptions topic for anyone
 * who draws or reads its results (the gateway's /api/jobs and the page's panels): the one
 * place a reader learns which jobs exist, what each reads, how it windows and keys, and what
 * its results hold, with no copy of the jobs file.
 */
export interface JobDescription {
  name: string;
  /** a heading for people (the jobs file's `title`), when given */
  title?: string;
  /** the declared source (or a topic's implicit one) it reads */
  source: { name: string; topic: string; format: string };
  /** a session closes after `gapMs` without an event of its key */
  window:
    { type: 'tumbling'; sizeMs: number } | { type: 'hopping'; sizeMs: number; slideMs: number } | { type: 'running' } | { type: 'session'; gapMs: number };
  /** the field(s) a result's keys are values of (several: a composite key, written as a JSON array), or the text field whose words are keys */
  key: { fields: string[] } | { words: string };
  /** each key field's declared type */
  keyTypes: Record<string, string>;
  filter?: string;
  /** the most keys a result lists before the rest are summed under `other` */
  maxKeys: number;
  allowedLatenessMs: number;
  /** what each result holds: `counts` (events per key) always; with `aggregates`, each key's values too */
  holds: 'counts' | 'aggregates';
  /** the job's aggregates, in the order of a result's `values` rows: name, op, the field read and
   *  its exact decimal places (`distinct` values are approximate) */
  aggregates?: AggregateDescription[];
  /** the aggregate keys are ranked by (largest first); absent: by count */
  orderBy?: string;
  /** `final`: only each window's final result is written (absent: `changes`, provisional ones first) */
  emit?: 'changes' | 'final';
  /** which definition of the job runs (results of an older generation are retired); absent: 1 */
  generation?: number;
  /** where a new generation starts reading: `earliest`, `latest`, or an ISO-8601 time */
  startFrom?: string;
  /** how far it has counted its source, as of `writtenAt` */
  progress?: JobProgress;
}

/**
 * A job counting its source from `startFrom` (added or changed on a running pipeline) is
 * `backfilling` until it has reached the live read, then `live`.
 */
export interface JobProgress {
  status: 'backfilling' | 'live';
  /** records of its source it has still to count to reach the live read */
  behind: number;
  /** at the rate of the last few seconds, the seconds until it is live (absent: not known yet) */
  etaSeconds?: number;
  /** true when Kafka's retention had dropped records before it started: its results miss them */
  partial?: true;
}

export interface AggregateDescription {
  name: string;
  op: string;
  field?: string;
  decimals: number;
  /** an estimate (distinct: a HyperLogLog, 0.81% standard error) */
  approximate?: true;
  /** false when `other` cannot hold it (a distinct count of several keys is not their sum): null there */
  foldsIntoOther?: false;
}

/** The job-descriptions record: every job of the aggregator's jobs file (the latest record, under DESCRIPTIONS_KEY, is the truth). */
export interface JobDescriptions {
  jobs: JobDescription[];
  /** wall-clock ms when the aggregator wrote them (at its start) */
  writtenAt: number;
}

/** The record key the descriptions are written under: one key, so compaction keeps the latest set. */
export const DESCRIPTIONS_KEY = 'jobs';

const WINDOW_TYPES = new Set(['tumbling', 'hopping', 'running', 'session']);

/** Reads a job-descriptions record; a reader skips one it cannot read, naming why. */
export function decodeJobDescriptions(bytes: Buffer | string | null | undefined): Decoded<JobDescriptions> {
  const parsed = parseJsonObject(bytes);
  if (!parsed.ok) return parsed;
  const { jobs, writtenAt } = parsed.value;
  if (!Array.isArray(jobs)) return reject('bad_job', 'field jobs: expected an array of job descriptions');
  if (typeof writtenAt !== 'number') return reject('bad_job', 'field writtenAt: expected epoch ms');
  for (const [i, job] of jobs.entries()) {
    const j = job as Partial<JobDescription> | null;
    if (j === null || typeof j !== 'object' || typeof j.name !== 'string' || j.name.length === 0)
      return reject('bad_job', `jobs[${i}].name: expected a job name`);
    if (typeof j.window !== 'object' || j.window === null || !WINDOW_TYPES.has(j.window.type))
      return reject('bad_job', `jobs[${i}].window: expected a window type`);
    if (typeof j.key !== 'object' || j.key === null || !('fields' in j.key || 'words' in j.key))
      return reject('bad_job', `jobs[${i}].key: expected fields or words`);
  }
  return accept(parsed.value as unknown as JobDescriptions);
}

export function encodeJobDescriptions(descriptions: JobDescriptions): Buffer {
  return Buffer.from(JSON.stringify(descriptions));
}
