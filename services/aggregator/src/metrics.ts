import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobProgress, WindowResult } from '@streamtally/contracts';
import type { ProcessorMetrics } from './consumer/processor-metrics';
import type { EmitterMetrics } from './emitter/emitter-metrics';
import type { EmitterSeries } from './emitter/emitter-series';
import { KeyLabels, OTHER_LABEL } from './emitter/key-labels';

// Per-job series are labelled `aggregation`, not `job`: Prometheus sets `job` to the scrape
// job ("aggregator") and would rename ours to exported_job.

/** Every metric the aggregator exports, on the registry it is given. */
// eslint-disable-next-line max-lines-per-function -- a table of declarations, one metric each: split, the names would scatter
export function createAggregatorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    records: new Counter({ name: 'streamtally_aggregator_records_total', help: 'Input records consumed and checkpointed', labelNames: ['topic'], registers }),
    events: new Counter({
      name: 'streamtally_aggregator_events_total',
      help: 'Events counted into at least one window, per job',
      labelNames: ['aggregation'],
      registers,
    }),
    lateEvents: new Counter({
      name: 'streamtally_aggregator_late_events_total',
      help: 'Events beyond the allowed lateness, sent to the late-events topic',
      labelNames: ['aggregation'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'streamtally_aggregator_dead_letters_total',
      help: 'Malformed input records sent to the dead-letter topic',
      labelNames: ['topic'],
      registers,
    }),
    openWindows: new Gauge({
      name: 'streamtally_aggregator_open_windows',
      help: "Windows not yet final, per job (seen by the job's emitter)",
      labelNames: ['aggregation'],
      registers,
    }),
    checkpointDuration: new Histogram({
      name: 'streamtally_aggregator_checkpoint_duration_seconds',
      help: 'Time of one atomic checkpoint (window deltas + offset) in Redis',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    checkpointFailures: new Counter({
      name: 'streamtally_aggregator_checkpoint_failures_total',
      help: 'Checkpoints not applied: error (Redis unreachable), fenced (partition lost), offset (out of step), closed (recomputed), jobs (a backfilling job reached the batch: recomputed), past_log_end (Redis counted past the log: topic recreated)',
      labelNames: ['reason'],
      registers,
    }),
    watermarkLag: new Gauge({
      name: 'streamtally_aggregator_watermark_lag_seconds',
      help: "Wall clock minus the job's global watermark",
      labelNames: ['aggregation'],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'streamtally_aggregator_consumer_lag',
      help: 'Records behind the end of the partition after the last batch',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    results: new Counter({
      name: 'streamtally_aggregator_results_total',
      help: 'Window results written to the results topic',
      labelNames: ['aggregation', 'final'],
      registers,
    }),
    windowCounts: new Counter({
      name: 'streamtally_aggregator_window_counts_total',
      help: 'Counts of final windows, per job and key (field-keyed jobs only; a job\'s first 50 keys, later ones under "(other)"; exact counts are on the results topic)',
      labelNames: ['aggregation', 'key'],
      registers,
    }),
    latestFinalCount: new Gauge({
      name: 'streamtally_aggregator_latest_final_count',
      help: 'Counts of the newest final window, per job and key (field-keyed jobs only)',
      labelNames: ['aggregation', 'key'],
      registers,
    }),
    latestFinalValue: new Gauge({
      name: 'streamtally_aggregator_latest_final_value',
      help: "Aggregates of the newest final window, per job, key and aggregate (jobs with aggregates; keys past the job's labelled ones have none: their values do not add up)",
      labelNames: ['aggregation', 'key', 'aggregate'],
      registers,
    }),
    emitFailures: new Counter({
      name: 'streamtally_aggregator_emit_failures_total',
      help: 'Emits of a job that failed (its results not written); /healthz fails once a job has failed for STALL_TIMEOUT_MS',
      labelNames: ['aggregation'],
      registers,
    }),
    emitInterval: new Gauge({
      name: 'streamtally_aggregator_emit_interval_seconds',
      help: "Each job's emitEveryMs: how often its open windows are written (what event-to-screen latency is judged against)",
      labelNames: ['aggregation'],
      registers,
    }),
    jobRecordsBehind: new Gauge({
      name: 'streamtally_aggregator_job_records_behind',
      help: 'Records of its source a backfilling job has still to count before it is live (0: live)',
      labelNames: ['aggregation'],
      registers,
    }),
    jobBackfilling: new Gauge({
      name: 'streamtally_aggregator_job_backfilling',
      help: '1 while the job counts its source from startFrom (added or changed on a running pipeline), 0 once live',
      labelNames: ['aggregation'],
      registers,
    }),
    jobBackfillEta: new Gauge({
      name: 'streamtally_aggregator_job_backfill_eta_seconds',
      help: "Estimated seconds until a backfilling job is live, at the last few seconds' rate (0: live or not known yet)",
      labelNames: ['aggregation'],
      registers,
    }),
    backfillEvents: new Counter({
      name: 'streamtally_aggregator_backfill_events_total',
      help: 'Events a job counted while catching up (the catch-up reader)',
      labelNames: ['aggregation'],
      registers,
    }),
    ownedPartitions: new Gauge({ name: 'streamtally_aggregator_owned_partitions', help: 'Input partitions this instance owns', registers }),
    stateReplicas: new Gauge({
      name: 'streamtally_aggregator_state_replicas',
      help: 'Redis replicas that had the state at the last emit (with REDIS_MIN_REPLICAS > 0; results wait while it is lower)',
      registers,
    }),
  };
}

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>;

/** Creates every labelled series at zero, so dashboards and alerts see them from the start. */
export function initialiseSeries(metrics: AggregatorMetrics, jobs: readonly { name: string; source: string; emitEveryMs: number }[]): void {
  for (const job of jobs) {
    metrics.emitInterval.set({ aggregation: job.name }, job.emitEveryMs / 1000);
    metrics.events.inc({ aggregation: job.name }, 0);
    metrics.lateEvents.inc({ aggregation: job.name }, 0);
    metrics.results.inc({ aggregation: job.name, final: 'true' }, 0);
    metrics.results.inc({ aggregation: job.name, final: 'false' }, 0);
    metrics.emitFailures.inc({ aggregation: job.name }, 0);
    metrics.openWindows.set({ aggregation: job.name }, 0);
    metrics.watermarkLag.set({ aggregation: job.name }, 0);
    metrics.records.inc({ topic: job.source }, 0);
    metrics.deadLetters.inc({ topic: job.source }, 0);
    metrics.jobRecordsBehind.set({ aggregation: job.name }, 0);
    metrics.jobBackfilling.set({ aggregation: job.name }, 0);
    metrics.jobBackfillEta.set({ aggregation: job.name }, 0);
    metrics.backfillEvents.inc({ aggregation: job.name }, 0);
  }
  for (const reason of ['error', 'fenced', 'offset', 'closed', 'jobs', 'past_log_end']) metrics.checkpointFailures.inc({ reason }, 0);
}

/** A job's progress (see lifecycle/progress-monitor), as gauges. */
export function progressMetricsOf(metrics: AggregatorMetrics) {
  return {
    progress(job: string, progress: JobProgress): void {
      metrics.jobRecordsBehind.set({ aggregation: job }, progress.behind);
      metrics.jobBackfilling.set({ aggregation: job }, progress.status === 'backfilling' ? 1 : 0);
      metrics.jobBackfillEta.set({ aggregation: job }, progress.etaSeconds ?? 0);
    },
  };
}

/** The partition processor's reports, as the aggregator's prom-client series. */
export function processorMetricsOf(metrics: AggregatorMetrics): ProcessorMetrics {
  return {
    partitionsOwned: (count) => metrics.ownedPartitions.set(count),
    checkpointFailed: (reason) => metrics.checkpointFailures.inc({ reason }),
    checkpointStarted: () => metrics.checkpointDuration.startTimer(),
    batchCounted({ topic, partition, records, lag, eventsPerJob, latePerJob, deadLetters }) {
      metrics.records.inc({ topic }, records);
      metrics.consumerLag.set({ topic, partition: String(partition) }, lag);
      for (const [job, n] of eventsPerJob) metrics.events.inc({ aggregation: job }, n);
      for (const [job, n] of latePerJob) metrics.lateEvents.inc({ aggregation: job }, n);
      if (deadLetters > 0) metrics.deadLetters.inc({ topic }, deadLetters);
    },
  };
}

/**
 * The emitter's reports, as the aggregator's prom-client series (or, on the emitter's thread, a
 * recording of them: emitter/emitter-series.ts). Per-key series only for jobs keyed by a field,
 * their labels bounded (KeyLabels); the newest final window's series replace the previous
 * one's, per job.
 */
export function emitterMetricsOf(metrics: EmitterSeries): EmitterMetrics {
  const labels = new KeyLabels();
  const latestKeys = new Map<string, string[]>();
  const latestValues = new Map<string, { key: string; aggregate: string }[]>();
  /** Per labelled key (not OTHER_LABEL: an average or a minimum of keys sharing it would be wrong), each aggregate's value. */
  const valuesOf = (job: string, result: WindowResult) => {
    const series: { key: string; aggregate: string; value: number }[] = [];
    for (const [key, row] of Object.entries(result.values ?? {})) {
      const label = labels.of(job, key);
      if (label === OTHER_LABEL) continue;
      for (const [aggregate, value] of Object.entries(row)) if (value !== null) series.push({ key: label, aggregate, value });
    }
    return series;
  };
  const perKey = (job: string, result: WindowResult, counts = new Map<string, number>()): Map<string, number> => {
    // for…in, not Object.entries: no pair per key of every final of a catch-up
    const counted = result.counts;
    for (const key in counted) {
      const label = labels.of(job, key);
      counts.set(label, (counts.get(label) ?? 0) + counted[key]!);
    }
    if (result.other) counts.set(OTHER_LABEL, (counts.get(OTHER_LABEL) ?? 0) + result.other.count);
    return counts;
  };
  return {
    emitFailed: (job) => metrics.emitFailures.inc({ aggregation: job }),
    watermarkLag: (job, seconds) => metrics.watermarkLag.set({ aggregation: job }, seconds),
    openWindows: (job, count) => metrics.openWindows.set({ aggregation: job }, count),
    resultsWritten(job, results, keyed) {
      let newestFinal: WindowResult | undefined;
      // summed over the results first: a catch-up writes thousands of finals per emit, and a
      // labelled increment per key of each was 2-4% of the routes catch-up's CPU
      const finals = results.filter((r) => r.final).length;
      if (finals > 0) metrics.results.inc({ aggregation: job, final: 'true' }, finals);
      if (finals < results.length) metrics.results.inc({ aggregation: job, final: 'false' }, results.length - finals);
      const counted = new Map<string, number>();
      for (const r of results) {
        if (!r.final || !keyed || r.mergedInto !== undefined) continue; // a retracted session counted nothing of its own
        perKey(job, r, counted);
        if (!newestFinal || r.windowStart > newestFinal.windowStart) newestFinal = r;
      }
      for (const [key, count] of counted) metrics.windowCounts.inc({ aggregation: job, key }, count);
      if (!newestFinal) return;
      // only this job's keys of the previous newest window go; other jobs keep theirs
      for (const key of latestKeys.get(job) ?? []) metrics.latestFinalCount.remove({ aggregation: job, key });
      const latest = perKey(job, newestFinal);
      for (const [key, count] of latest) metrics.latestFinalCount.set({ aggregation: job, key }, count);
      latestKeys.set(job, [...latest.keys()]);
      // values (a sum may fall) are gauges of the newest final window, never counters
      for (const { key, aggregate } of latestValues.get(job) ?? []) metrics.latestFinalValue.remove({ aggregation: job, key, aggregate });
      const values = valuesOf(job, newestFinal);
      for (const { key, aggregate, value } of values) metrics.latestFinalValue.set({ aggregation: job, key, aggregate }, value);
      latestValues.set(job, values);
    },
  };
}
