import { Registry } from 'prom-client';
import type { WindowResult } from '@streamtally/contracts';
import { applySeries, recordingSeries, type SeriesChange } from '../../src/emitter/emitter-series';
import { createAggregatorMetrics, emitterMetricsOf } from '../../src/metrics';

const result = (windowStart: number, final: boolean, counts: Record<string, number>): WindowResult => ({
  job: 'by-origin',
  windowStart,
  windowEnd: windowStart + 1000,
  counts,
  values: Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, { total: n * 10, mean: n === 1 ? null : n / 2 }])),
  final,
  version: 3,
  emittedAt: 0,
});

/** What the emitter reports over three emits, a failure and a replica count, in the order it would. */
function emitReports(series: Parameters<typeof emitterMetricsOf>[0]): void {
  const metrics = emitterMetricsOf(series);
  metrics.resultsWritten('by-origin', [result(0, true, { ORD: 4, LAX: 1 }), result(1000, false, { ORD: 2 })], true);
  metrics.watermarkLag('by-origin', 12.5);
  metrics.openWindows('by-origin', 3);
  metrics.emitFailed('by-origin');
  // the newest final window's series replace the previous one's: removes, on the thread too
  metrics.resultsWritten('by-origin', [result(1000, true, { SFO: 2 })], true);
  series.stateReplicas.set({}, 2);
}

describe("the emitter's metrics, recorded on its thread and applied on the aggregator's", () => {
  it('leave the registry as the emitter reporting straight to it would', async () => {
    const direct = new Registry();
    emitReports(createAggregatorMetrics(direct));

    const relayed = new Registry();
    const recorded = recordingSeries();
    emitReports(recorded.series);
    const changes = recorded.take();
    expect(changes.length).toBeGreaterThan(10);
    // nothing reaches the registry until applied: the recorder stands in for it
    expect((await relayed.metrics()).trim()).toBe('');
    applySeries(createAggregatorMetrics(relayed), structuredClone(changes));

    expect(await relayed.metrics()).toBe(await direct.metrics());
    expect(await relayed.metrics()).toContain('streamtally_aggregator_latest_final_value{aggregation="by-origin",key="SFO",aggregate="total"} 20');
    expect(await relayed.metrics()).not.toContain('key="ORD",aggregate');
    expect(await relayed.metrics()).toContain('streamtally_aggregator_state_replicas 2');
    // taken once: the next take has only what came since
    expect(recorded.take()).toEqual([]);
  });

  it('skips a change to a series that is not one of the emitter’s, and applies the rest', async () => {
    const registry = new Registry();
    const changes = [
      ['records', 'inc', { topic: 't' }, 5],
      ['openWindows', 'set', { aggregation: 'j' }, 7],
    ] as unknown as SeriesChange[];
    applySeries(createAggregatorMetrics(registry), changes);
    const text = await registry.metrics();
    expect(text).toContain('streamtally_aggregator_open_windows{aggregation="j"} 7');
    expect(text).not.toContain('streamtally_aggregator_records_total{');
  });
});
