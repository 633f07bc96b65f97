import { generationOf, supersedes, WindowResult } from '@streamtally/contracts';

export type Offer = 'new' | 'updated' | 'stale';

/**
 * The last `historyPerJob` windows of every job, each at its highest version. A lower or
 * equal version never replaces a higher one, so results may arrive in any order. A job's newer
 * generation (its definition changed) replaces every window of the older ones, and a result of
 * an older generation is stale.
 */
export class WindowStore {
  private readonly jobs = new Map<string, Map<number, WindowResult>>();
  private readonly generations = new Map<string, number>();

  constructor(private readonly historyPerJob: number) {}

  offer(result: WindowResult): Offer {
    if (!this.atGeneration(result.job, generationOf(result))) return 'stale';
    let windows = this.jobs.get(result.job);
    if (!windows) this.jobs.set(result.job, (windows = new Map()));
    const current = windows.get(result.windowStart);
    if (!supersedes(result, current)) return 'stale';
    if (!current && windows.size >= this.historyPerJob) {
      const oldest = Math.min(...windows.keys());
      // a window older than everything kept is history already dropped
      if (result.windowStart < oldest) return 'stale';
      windows.delete(oldest);
    }
    windows.set(result.windowStart, result);
    return current ? 'updated' : 'new';
  }

  /**
   * The jobs as the aggregator now describes them: a job no longer described is dropped with
   * its windows, and one described at a newer generation drops the older generation's.
   */
  retain(jobs: readonly { name: string; generation?: number }[]): void {
    const described = new Map(jobs.map((j) => [j.name, j.generation ?? 1]));
    for (const job of [...this.jobs.keys()]) if (!described.has(job)) this.jobs.delete(job);
    for (const [job, generation] of described) this.atGeneration(job, generation);
  }

  /** Moves a job to `generation` when newer (its older windows go); false when `generation` is older than the job's. */
  private atGeneration(job: string, generation: number): boolean {
    const known = this.generations.get(job) ?? 1;
    if (generation < known) return false;
    if (generation > known) {
      this.generations.set(job, generation);
      this.jobs.delete(job);
    }
    return true;
  }

  /** The job's windows, oldest first; undefined for a job never seen. */
  snapshot(job: string): WindowResult[] | undefined {
    const windows = this.jobs.get(job);
    return windows ? [...windows.values()].sort((a, b) => a.windowStart - b.windowStart) : undefined;
  }

  jobNames(): string[] {
    return [...this.jobs.keys()].sort();
  }

  get(job: string, windowStart: number): WindowResult | undefined {
    return this.jobs.get(job)?.get(windowStart);
  }
}
