import type { JobProgress } from '@streamtally/contracts';

/** One partition as the progress of a job needs it: the job's next offset and the live reader's. */
export interface PartitionPosition {
  /** the job's next offset (the live reader's where the job has none) */
  committedOffset?: number;
  /** the live reader's next offset; undefined before it ever read the partition */
  liveOffset?: number;
}

/** Records the job has still to count before it reaches the live reader, over every partition. */
export function recordsBehind(partitions: readonly PartitionPosition[]): number {
  let behind = 0;
  for (const p of partitions) {
    if (p.liveOffset === undefined || p.committedOffset === undefined) continue;
    behind += Math.max(0, p.liveOffset - p.committedOffset);
  }
  return behind;
}

/** A job's rate of catching up, measured between two looks at how far behind it is. */
export class CatchUpRate {
  private last: { behind: number; at: number } | undefined;
  private perSecond: number | undefined;

  /** The job's progress now, with the time left at the rate seen (smoothed over the last looks). */
  progress(behind: number, at: number, partial: boolean): JobProgress {
    const last = this.last;
    if (last && at > last.at && behind < last.behind) {
      const rate = ((last.behind - behind) * 1000) / (at - last.at);
      // the live reader moves the goal too: a smoothed rate over a few looks, not the last one
      this.perSecond = this.perSecond === undefined ? rate : 0.7 * this.perSecond + 0.3 * rate;
    }
    this.last = { behind, at };
    const progress: JobProgress = { status: behind > 0 ? 'backfilling' : 'live', behind };
    if (behind > 0 && this.perSecond !== undefined && this.perSecond > 0) progress.etaSeconds = Math.ceil(behind / this.perSecond);
    if (partial) progress.partial = true;
    return progress;
  }
}
