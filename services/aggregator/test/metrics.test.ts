import { Registry } from 'prom-client';
import type { WindowResult } from '@streamtally/contracts';
import { METRIC_KEYS_PER_JOB } from '../src/emitter/key-labels';
import { createAggregatorMetrics, emitterMetricsOf } from '../src/metrics';

const final = (windowStart: number, values: Record<string, Record<string, number | null>>): WindowResult => ({
  job: 'f',
  windowStart,
  windowEnd: windowStart + 1000,
  counts: Object.fromEntries(Object.keys(values).map((k) => [k, 1])),
  values,
  final: true,
  version: 3,
  emittedAt: 0,
});

describe("the emitter's metrics of aggregates", () => {
  it("exports the newest final window's values as gauges per key and aggregate, replacing the previous window's", async () => {
    const registry = new Registry();
    const metrics = emitterMetricsOf(createAggregatorMetrics(registry));
    metrics.resultsWritten('f', [final(0, { ORD: { total: -5, mean: 2.5 }, LAX: { total: 3, mean: null } })], true);
    const series = async () =>
      (await registry.getSingleMetric('streamtally_aggregator_latest_final_value')!.get()).values
        .map((v) => `${v.labels.key} ${v.labels.aggregate} ${v.value}`)
        .sort();
    // a sum that falls is a gauge, never a counter; a value no event had is no series
    expect(await series()).toEqual(['LAX total 3', 'ORD mean 2.5', 'ORD total -5']);
    metrics.resultsWritten('f', [final(1000, { SFO: { total: 1, mean: 1 } })], true);
    expect(await series()).toEqual(['SFO mean 1', 'SFO total 1']);
  });

  it("counts an emit's results and its finals' events per key, summed over the results written together", async () => {
    const registry = new Registry();
    const metrics = emitterMetricsOf(createAggregatorMetrics(registry));
    const provisional = { ...final(2000, { ORD: { total: 9 } }), final: false, counts: { ORD: 9 } };
    const withOther = { ...final(1000, { ORD: { total: 1 } }), counts: { ORD: 4 }, other: { keys: 2, count: 5, reason: ['maxKeys' as const] } };
    metrics.resultsWritten('f', [final(0, { ORD: { total: 1 }, LAX: { total: 1 } }), withOther, provisional], true);
    metrics.resultsWritten('f', [final(3000, { LAX: { total: 1 } })], true);
    const values = async (name: string) =>
      Object.fromEntries((await registry.getSingleMetric(name)!.get()).values.map((v) => [`${v.labels.key ?? v.labels.final}`, v.value]));
    expect(await values('streamtally_aggregator_results_total')).toEqual({ true: 3, false: 1 });
    // the provisional result counts nothing: its events are in the window's final
    expect(await values('streamtally_aggregator_window_counts_total')).toEqual({ ORD: 5, LAX: 2, '(other)': 5 });
  });

  it('keeps the series bounded: keys past the labelled ones export no values (theirs do not add up under one label)', async () => {
    const registry = new Registry();
    const metrics = emitterMetricsOf(createAggregatorMetrics(registry));
    const many = Object.fromEntries(Array.from({ length: METRIC_KEYS_PER_JOB + 20 }, (_, i) => [`k${i}`, { total: i }]));
    metrics.resultsWritten('f', [final(0, many)], true);
    const values = (await registry.getSingleMetric('streamtally_aggregator_latest_final_value')!.get()).values;
    expect(values).toHaveLength(METRIC_KEYS_PER_JOB);
  });
});
