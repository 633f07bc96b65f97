import { Registry } from 'prom-client';
import { createKafkaClientMetrics, recordClientEvents } from '../src/metrics';

/** A metric's samples as label text -> value. */
async function samples(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(name)!.get();
  // a histogram's values carry their series' name (`_count`, `_sum`, `_bucket`)
  const values = metric.values as { value: number; labels: Record<string, unknown>; metricName?: string }[];
  return Object.fromEntries(values.map((v) => [`${v.metricName ?? name}${JSON.stringify(v.labels)}`, v.value]));
}

describe("a Kafka client's events on the metrics", () => {
  it('records requests, joins and crashes under the client they came from, and no other', async () => {
    const registry = new Registry();
    const metrics = createKafkaClientMetrics(registry);
    const catchUp = recordClientEvents(metrics, 'aggregator-catch-up');
    catchUp({ kind: 'request', api: 'Fetch', seconds: 0.02 });
    catchUp({ kind: 'request', api: 'Fetch', seconds: 0.3 });
    catchUp({ kind: 'rebalance' });
    recordClientEvents(metrics, 'aggregator')({ kind: 'crash' });

    const requests = await samples(registry, 'streamtally_kafka_request_duration_seconds');
    expect(requests['streamtally_kafka_request_duration_seconds_count{"client":"aggregator-catch-up","api":"Fetch"}']).toBe(2);
    expect(requests['streamtally_kafka_request_duration_seconds_sum{"client":"aggregator-catch-up","api":"Fetch"}']).toBeCloseTo(0.32);
    expect(requests['streamtally_kafka_request_duration_seconds_bucket{"le":0.025,"client":"aggregator-catch-up","api":"Fetch"}']).toBe(1);
    expect(await samples(registry, 'streamtally_kafka_consumer_rebalances_total')).toEqual({
      'streamtally_kafka_consumer_rebalances_total{"client":"aggregator-catch-up"}': 1,
    });
    expect(await samples(registry, 'streamtally_kafka_consumer_crashes_total')).toEqual({
      'streamtally_kafka_consumer_crashes_total{"client":"aggregator"}': 1,
    });
  });
});
