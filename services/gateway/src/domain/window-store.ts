import { supersedes, WindowResult } from '@streamtally/contracts';

export type Offer = 'new' | 'updated' | 'stale';

/**
 * The last `historyPerJob` windows of every job, each at its highest version. A lower or
 * equal version never replaces a higher one, so results may arrive in any order.
 */
export class WindowStore {
  private readonly jobs = new Map<string, Map<number, WindowResult>>();

  constructor(private readonly historyPerJob: number) {}

  offer(result: WindowResult): Offer {
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
