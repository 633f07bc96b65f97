/** Why a checkpoint was not applied (a metric's label). */
export type CheckpointFailure = 'error' | 'fenced' | 'offset' | 'closed' | 'jobs' | 'past_log_end';

/** What one counted batch moved, for the metrics. */
export interface BatchProgress {
  topic: string;
  partition: number;
  records: number;
  /** records left behind the end of the partition */
  lag: number;
  eventsPerJob: ReadonlyMap<string, number>;
  latePerJob: ReadonlyMap<string, number>;
  deadLetters: number;
}

/**
 * What the partition processor reports, shaped for it and free of any metrics library
 * (metrics.ts binds it to prom-client): domain code says what happened, not how it is counted.
 */
export interface ProcessorMetrics {
  partitionsOwned(count: number): void;
  checkpointFailed(reason: CheckpointFailure): void;
  /** a checkpoint starts; the function returned says it ended */
  checkpointStarted(): () => void;
  batchCounted(progress: BatchProgress): void;
}
