import type { WindowResult } from '@streamtally/contracts';

/**
 * What the result emitter reports, free of any metrics library: metrics.ts binds it to
 * prom-client, and keeps there what is bookkeeping of the series (per-key labels, bounded,
 * and the newest final window's series replaced).
 */
export interface EmitterMetrics {
  emitFailed(job: string): void;
  /** wall clock minus the job's global watermark */
  watermarkLag(job: string, seconds: number): void;
  openWindows(job: string, count: number): void;
  /** results written; `perKey`: the job keys by a field, so its counts may become per-key series */
  resultsWritten(job: string, results: readonly WindowResult[], perKey: boolean): void;
}
