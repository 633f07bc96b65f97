import type { Job } from './job-schema';
import type { RunningJobs } from './running-jobs';

/** A job as this instance runs it: which generation, under which state name (what a thread is told). */
export interface RunningAs {
  name: string;
  stateId: string;
  generation: number;
}

/** The jobs file's jobs as `running` says they run (their generations); those not run left out. */
export function runningAs(compiled: readonly Job[], running: readonly RunningAs[]): Job[] {
  return running.flatMap((r) => {
    const job = compiled.find((j) => j.name === r.name);
    return job ? [{ ...job, stateId: r.stateId, generation: r.generation }] : [];
  });
}

/** How each job runs, for a thread. */
export const runningOf = (jobs: readonly Job[]): RunningAs[] => jobs.map(({ name, stateId, generation }) => ({ name, stateId, generation }));

/** A thread's jobs moved as the aggregator's moved: each to its generation, those no longer run stopped. */
export function follow(jobs: RunningJobs, running: readonly RunningAs[]): void {
  for (const job of running) jobs.advance(job.name, job.generation);
  for (const job of [...jobs.all]) if (!running.some((r) => r.name === job.name)) jobs.stop(job.name);
}
