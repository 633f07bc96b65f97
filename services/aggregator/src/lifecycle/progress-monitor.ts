import type { Logger } from 'pino';
import type { JobProgress } from '@streamtally/contracts';
import type { Job } from '../jobs/job-schema';
import type { JobRegistry } from '../state/job-registry';
import type { RedisState } from '../state/redis-state';
import { CatchUpRate, recordsBehind } from './job-progress';

export interface ProgressMonitorDeps {
  jobs: readonly Job[];
  state: RedisState;
  registry: JobRegistry;
  /** how many partitions the topic has */
  partitionsOf(topic: string): number;
  /** true on the one instance that speaks for the jobs: it describes them and removes replaced state */
  speaksForJobs(): boolean;
  /** writes the jobs' description with their progress */
  describe(progress: ReadonlyMap<string, JobProgress>): Promise<void>;
  /** moves a job to a newer generation registered meanwhile (`recompute`); false when it cannot */
  advance(name: string, generation: number): boolean;
  /** stops running a job whose newer generation has another definition (see RunningJobs.stop) */
  stop(name: string): boolean;
  metrics: { progress(job: string, progress: JobProgress): void };
  logger: Logger;
  now?: () => number;
}

/**
 * Looks at how far each job has counted its source: a job counting from `startFrom` is
 * `backfilling` (logged with what is left and an estimate of the time, on every look), then
 * `live`. Once a new generation is live, the one it replaced is removed from Redis. The
 * description of the jobs (the gateway's /api/jobs, the page) is written again while any job
 * backfills and when one turns live.
 */
export class ProgressMonitor {
  private readonly rates = new Map<string, CatchUpRate>();
  private readonly status = new Map<string, JobProgress['status']>();
  private readonly now: () => number;

  constructor(private readonly deps: ProgressMonitorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** One look at every job; returns their progress. */
  async check(): Promise<Map<string, JobProgress>> {
    const { jobs, state, registry, logger } = this.deps;
    const registered = await registry.registered();
    const now = this.now();
    const progress = new Map<string, JobProgress>();
    let changed = false;
    // a copy: a job may leave the list (stop) while this runs
    for (const seen of [...jobs]) {
      let job = seen;
      const entry = registered.get(job.name);
      if (entry && entry.generation > job.generation && entry.fingerprint !== job.fingerprint) {
        // another instance runs a changed definition (a rolling deploy of a new jobs file)
        if (this.deps.stop(job.name))
          logger.error(
            { job: job.name, generation: job.generation, registered: entry.generation },
            "another instance registered a changed definition of this job: this instance's jobs file is outdated, so it stops running the job (the instances with the new file count it); restart it with the new jobs file",
          );
        continue;
      }
      if (entry && entry.generation > job.generation && this.deps.advance(job.name, entry.generation)) {
        logger.warn(
          { job: job.name, was: job.generation, generation: entry.generation },
          'a newer generation of this job is registered (recompute): running it now',
        );
        job = jobs.find((j) => j.name === seen.name)!; // the list holds the new generation now
        changed = true;
      }
      const partitions = await state.readProgress(job.source, this.deps.partitionsOf(job.source), job.stateId);
      const rate = this.rates.get(job.name) ?? this.rates.set(job.name, new CatchUpRate()).get(job.name)!;
      const current = rate.progress(recordsBehind(partitions), now, entry?.partial === true);
      progress.set(job.name, current);
      this.deps.metrics.progress(job.name, current);
      const before = this.status.get(job.name);
      this.status.set(job.name, current.status);
      if (before !== current.status) changed = true;
      if (current.status === 'backfilling') {
        logger.info({ job: job.name, generation: job.generation, behind: current.behind, etaSeconds: current.etaSeconds }, 'job backfilling');
      } else if (before === 'backfilling') {
        logger.info({ job: job.name, generation: job.generation }, 'job caught up: live');
      }
      if (current.status === 'live' && entry?.retiring && entry.generation === job.generation && this.deps.speaksForJobs()) {
        const keys = await registry.removeState(entry.retiring);
        await registry.retired(job.name, entry.retiring);
        logger.info({ job: job.name, removed: entry.retiring, keys }, "the replaced generation's state is removed");
      }
    }
    const backfilling = [...progress.values()].some((p) => p.status === 'backfilling');
    if ((backfilling || changed) && this.deps.speaksForJobs()) await this.deps.describe(progress);
    return progress;
  }
}
