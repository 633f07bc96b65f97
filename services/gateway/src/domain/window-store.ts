import { generationOf, supersedes, windowIdOf, WindowResult } from '@streamtally/contracts';

export type Offer = 'new' | 'updated' | 'stale';

/**
 * The last `historyPerJob` windows of every job (by start; a session is one key's window),
 * each at its highest version. A lower or equal version never replaces a higher one, so
 * results may arrive in any order. A job's newer generation (its definition changed) replaces
 * every window of the older ones, and a result of an older generation is stale. A session
 * merged into an earlier one (`mergedInto`) is dropped: its events are in that one.
 */
export class WindowStore {
  private readonly jobs = new Map<string, Map<string, WindowResult>>();
  private readonly generations = new Map<string, number>();

  constructor(private readonly historyPerJob: number) {}

  offer(result: WindowResult): Offer {
    if (!this.atGeneration(result.job, generationOf(result))) return 'stale';
    let windows = this.jobs.get(result.job);
    if (!windows) this.jobs.set(result.job, (windows = new Map()));
    const id = windowIdOf(result);
    const current = windows.get(id);
    if (!supersedes(result, current)) return 'stale';
    if (result.mergedInto !== undefined) {
      windows.delete(id);
      return current ? 'updated' : 'stale';
    }
    if (!current && windows.size >= this.historyPerJob) {
      const oldest = oldestOf(windows);
      // a window older than everything kept is history already dropped
      if (result.windowStart < oldest.windowStart) return 'stale';
      windows.delete(windowIdOf(oldest));
    }
    windows.set(id, result);
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

  get(job: string, windowStart: number, sessionKey?: string): WindowResult | undefined {
    return this.jobs.get(job)?.get(windowIdOf({ windowStart, ...(sessionKey !== undefined ? { sessionKey } : {}) }));
  }
}

/** The window that started first (of a non-empty store). */
function oldestOf(windows: ReadonlyMap<string, WindowResult>): WindowResult {
  let oldest: WindowResult | undefined;
  for (const w of windows.values()) if (!oldest || w.windowStart < oldest.windowStart) oldest = w;
  return oldest!;
}
