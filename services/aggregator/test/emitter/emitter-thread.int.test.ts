import { uniqueName, waitFor } from '@streamtally/test-support';
import type { WindowResult } from '@streamtally/contracts';
import { AggregatorHarness, startAggregator } from '../support/aggregator-harness';

const HOUR = 3_600_000;
const ORIGINS = ['ORD', 'LAX', 'SFO', 'JFK', 'DEN'];
const BASE = Date.UTC(2001, 0, 1);

/** Seeded flights over 12 hours: the same every run, out of order within each partition's hour. */
function flights(n: number) {
  let seed = 7;
  const next = (below: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % below;
  return Array.from({ length: n }, (_, i) => ({
    date: BASE + Math.floor((i / n) * 12) * HOUR + next(HOUR),
    origin: ORIGINS[next(ORIGINS.length)]!,
    delay: next(300) - 60,
    distance: 100 + next(2500),
  }));
}

/** Per hour and origin: count, sum of distance, largest delay, and the delays' sum for the average. */
function recount(items: ReturnType<typeof flights>) {
  const byHour = new Map<number, Map<string, { flights: number; distance: number; worst: number; delays: number }>>();
  for (const f of items) {
    const hour = Math.floor(f.date / HOUR) * HOUR;
    const ofHour = byHour.get(hour) ?? new Map();
    byHour.set(hour, ofHour);
    const row = ofHour.get(f.origin) ?? { flights: 0, distance: 0, worst: -Infinity, delays: 0 };
    ofHour.set(f.origin, { flights: row.flights + 1, distance: row.distance + f.distance, worst: Math.max(row.worst, f.delay), delays: row.delays + f.delay });
  }
  return byHour;
}

const metricValue = async (h: AggregatorHarness, name: string, labels: string) =>
  Number(
    (await h.registry.getSingleMetricAsString(name))
      .split('\n')
      .find((line) => line.startsWith(`${name}{${labels}}`) || line.startsWith(`${name}{${labels},`))
      ?.split(' ')
      .pop() ?? NaN,
  );

describe('the result emitter on a thread of its own, as main.ts runs it, against the real broker and Redis', () => {
  let harness: AggregatorHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("writes every final equal to the recount, and its metrics, health and Kafka clients' figures reach the aggregator's", async () => {
    const topic = uniqueName('flights');
    const source = {
      name: 'flights',
      topic,
      format: 'json',
      fields: { date: { type: 'timestamp', format: 'epoch-ms' }, origin: { type: 'string' }, delay: { type: 'integer' }, distance: { type: 'integer' } },
      time: 'date',
    };
    const job = {
      name: 'hourly',
      source: 'flights',
      key: { field: 'origin' },
      window: { type: 'tumbling', sizeMs: HOUR },
      allowedLatenessMs: HOUR,
      emitEveryMs: 50,
      aggregates: [
        { name: 'flights', op: 'count' },
        { name: 'distance', op: 'sum', field: 'distance' },
        { name: 'worst', op: 'max', field: 'delay' },
        { name: 'meanDelay', op: 'avg', field: 'delay' },
      ],
    };
    harness = await startAggregator({ sources: [source], jobs: [job] }, { MAX_FINALS_PER_EMIT: '3' }, { emitterThread: true });
    const h = harness;
    const items = flights(6000);
    await h.writeRaw(
      topic,
      items.map((f, i) => ({ partition: i % 2, value: JSON.stringify(f) })),
    );
    // the last hour stays open (nothing after it passes its lateness): the eleven before close
    const expected = recount(items);
    const closing = [...expected.keys()].sort((a, b) => a - b).slice(0, -2);
    const finals = () => [...h.latestResults().values()].filter((r) => r.job === 'hourly' && r.final);
    await waitFor(() => finals().length >= closing.length, { what: `${closing.length} final hours`, timeoutMs: 60_000 });
    for (const hour of closing) {
      const result = h.latestResults().get(`hourly@${hour}`) as WindowResult;
      // the mean rounded to 4 places (README): within half a unit of the 4th of the recount's
      const rows = Object.fromEntries(
        [...expected.get(hour)!].map(([origin, r]) => [
          origin,
          { flights: r.flights, distance: r.distance, worst: r.worst, meanDelay: expect.closeTo(r.delays / r.flights, 3) as number },
        ]),
      );
      expect({ hour, final: result.final, values: result.values }).toEqual({ hour, final: true, values: rows });
    }

    // its metrics, applied to the aggregator's registry once each tick ends
    const written = () => finals().length;
    await waitFor(async () => (await metricValue(h, 'streamtally_aggregator_results_total', 'aggregation="hourly",final="true"')) >= written(), {
      what: 'the finals counted in the metrics',
      timeoutMs: 10_000,
    });
    const newest = closing.at(-1)!;
    const ordNewest = expected.get(newest)!.get('ORD')!;
    await waitFor(
      async () =>
        (await metricValue(h, 'streamtally_aggregator_latest_final_value', 'aggregation="hourly",key="ORD",aggregate="distance"')) === ordNewest.distance,
      { what: "the newest final's values as gauges", timeoutMs: 10_000 },
    );
    // its producer's requests, under a client name of their own
    expect(await h.registry.getSingleMetricAsString('streamtally_kafka_request_duration_seconds')).toMatch(/client="aggregator-emitter",api="Produce"/);
    const health = h.app.health();
    expect(health).toMatchObject({ healthy: true, details: { failingJobs: [], lastEmitError: null } });
    expect(health.details).not.toHaveProperty('emitterThreadDown');
  }, 120_000);
});
