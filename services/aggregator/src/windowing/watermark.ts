/** What the emitter knows of one input partition. */
export interface PartitionProgress {
  partition: number;
  /** highest event time counted (committed in Redis); undefined when never consumed */
  maxTs?: number;
  /** next offset to consume, as committed in Redis; undefined when never consumed */
  committedOffset?: number;
  /** Kafka's end offset (high watermark) and start offset of the partition */
  endOffset: number;
  startOffset: number;
  /** wall-clock ms of the last checkpoint that moved this partition forward */
  progressAt?: number;
}

/**
 * A partition is idle when everything in it has been counted and nothing came for
 * `idleTimeoutMs`; an idle partition no longer holds windows open. A partition with
 * records not yet counted is never idle, however long ago it moved.
 */
export function isIdle(p: PartitionProgress, now: number, idleTimeoutMs: number): boolean {
  const counted = p.committedOffset ?? p.startOffset;
  if (counted < p.endOffset) return false;
  return p.progressAt === undefined || now - p.progressAt >= idleTimeoutMs;
}

/**
 * The job's watermark over all partitions: the lowest (max event time - lateness) among
 * partitions that are not idle; a busy partition that has not checkpointed yet holds
 * everything open (-Infinity). When every partition is idle, all input so far is counted
 * and nothing is arriving, so event time follows the wall clock: the watermark is
 * max(highest event time, now - idle timeout) - lateness. Windows then close even while
 * input pauses, and the next live event still lands in an open window.
 */
export function globalWatermark(partitions: PartitionProgress[], allowedLatenessMs: number, now: number, idleTimeoutMs: number): number {
  let busyMin = Infinity;
  let highest = -Infinity;
  for (const p of partitions) {
    if (p.maxTs !== undefined) highest = Math.max(highest, p.maxTs);
    if (isIdle(p, now, idleTimeoutMs)) continue;
    busyMin = Math.min(busyMin, p.maxTs === undefined ? -Infinity : p.maxTs);
  }
  const base = busyMin !== Infinity ? busyMin : Math.max(highest, now - idleTimeoutMs);
  return base - allowedLatenessMs;
}
