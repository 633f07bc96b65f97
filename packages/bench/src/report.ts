import type { StepResult } from './pipeline-step';

/** One step's figures as the lines pipeline.sh prints. */
export function stepLines(r: StepResult): string {
  const cpu = Object.entries(r.cpu)
    .map(([name, share]) => `${name} ${(share * 100).toFixed(0)}%`)
    .join(', ');
  const rss = ['producer', 'aggregator', 'gateway', 'clients']
    .filter((name) => r.peakMb[name] !== undefined)
    .map((name) => `${name} ${r.peakMb[name]!.toFixed(0)}`)
    .join(', ');
  const { latencyMs: l } = r;
  return [
    `rate ${r.rate}/s: input ${r.produced}/s, aggregated ${r.consumed}/s, lag ${r.lagFinal} (${r.lagSlopePerS >= 0 ? '+' : ''}${r.lagSlopePerS}/s, ${r.bounded ? 'bounded' : 'GROWING'})`,
    `  event-to-screen (${r.clients} clients, ${l.samples} samples, ${l.missing} missing): p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms; updates to clients ${r.updatesPerS}/s`,
    `  the gateway's own event_to_screen histogram, marker job, same minute: p50 ~${r.gatewayMetricMs.p50} ms, p99 ~${r.gatewayMetricMs.p99} ms (bucket-interpolated, to hand-over)`,
    `  CPU (of one core): ${cpu}`,
    `  peak RSS MB: ${rss}`,
    ...(r.backfill ? [backfillLine(r.backfill)] : []),
  ].join('\n');
}

/**
 * The highest step sustained: the input kept its pace (within 5%) and the lag stayed
 * bounded; the figure is the input rate reached, not the step's target.
 */
export function highestSustained(results: readonly StepResult[]): StepResult | undefined {
  return results.filter((r) => r.bounded && r.produced >= 0.95 * r.rate).sort((a, b) => b.produced - a.produced)[0];
}

/** The added job's backfill during the step: its rate from the aggregator's restart to live, and from its first records counted. */
function backfillLine(b: NonNullable<StepResult['backfill']>): string {
  if (b.seconds === undefined) return `  backfill of ${b.records} records: not live within 10 minutes`;
  const l = b.latencyMs;
  const latency = l ? `; live markers meanwhile (${l.samples} samples, ${l.missing} missing): p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms` : '';
  const counting =
    b.countingSeconds === undefined
      ? ''
      : `, ${Math.round(b.records / b.countingSeconds)} records/s from its first records counted (${b.countingSeconds.toFixed(1)} s)`;
  const alone =
    b.aloneSeconds === undefined
      ? ''
      : `; the same job alone, a second aggregator started with it: ${Math.round(b.records / b.aloneSeconds)} records/s (${b.aloneSeconds.toFixed(1)} s)`;
  return `  backfill of ${b.records} records beside the live jobs: live after ${b.seconds.toFixed(1)} s = ${Math.round(b.records / b.seconds)} records/s (from the aggregator's restart)${counting}${latency}${alone}`;
}
