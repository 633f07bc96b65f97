import fs from 'node:fs';
import type { Job } from './job-schema';
import { parseJobs } from './jobs-file';

/** `text`: the jobs file as read, which the catch-up thread compiles again (lifecycle/catch-up-thread.ts) */
export type LoadedJobs = { ok: true; jobs: Job[]; from: string; text: string } | { ok: false; errors: string[] };

/** Jobs from the JOBS variable (JSON) when set, otherwise from JOBS_FILE. */
export function loadJobs(settings: { JOBS?: string; JOBS_FILE: string }): LoadedJobs {
  const from = settings.JOBS !== undefined ? 'JOBS' : `JOBS_FILE ${settings.JOBS_FILE}`;
  let text: string;
  if (settings.JOBS !== undefined) {
    text = settings.JOBS;
  } else {
    try {
      text = fs.readFileSync(settings.JOBS_FILE, 'utf8');
    } catch (err) {
      return { ok: false, errors: [`${from}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`] };
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [`${from}: not valid JSON (${(err as Error).message})`] };
  }
  const parsed = parseJobs(json);
  return parsed.ok ? { ok: true, jobs: parsed.jobs, from, text } : { ok: false, errors: parsed.errors.map((e) => `${from}: ${e}`) };
}
