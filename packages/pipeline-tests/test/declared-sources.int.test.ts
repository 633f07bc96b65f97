import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { windowResultKey, type WindowResult } from '@streamtally/contracts';
import { createKafka } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { freePort, testBrokers, testRedisUrl, uniqueName, waitFor } from '@streamtally/test-support';
import { DISTINCT_TOLERANCE, LatestResults, MEAN_TOLERANCE, runService, type ServiceProcess, startService } from '../src';

// A team's own files, as a new user would count them: sources declared once in the jobs file,
// the producer replaying real public data sets (vega-datasets) from that declaration — a JSON
// array of US flights, and a CSV export whose header has spaces and symbols (FAA bird
// strikes) —, the aggregator counting them, every final window equal to a recount done here.
const DATA = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

interface Flight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}

/** Per window and key: the flights' count, total distance, delay's mean, least and largest, and distinct destinations, recounted with plain loops. */
function recountFlightStats(
  flights: readonly Flight[],
  job: string,
  sizeMs: number,
): Map<string, Record<string, { flights: number; distance: number; avgDelay: number; minDelay: number; maxDelay: number; destinations: number }>> {
  const sums = new Map<string, Record<string, { n: number; distance: number; delay: number; min: number; max: number; to: Set<string> }>>();
  for (const f of flights) {
    const window = windowResultKey(job, Math.floor(utc(f.date) / sizeMs) * sizeMs);
    const keys = sums.get(window) ?? {};
    const s = (keys[f.origin] ??= { n: 0, distance: 0, delay: 0, min: Infinity, max: -Infinity, to: new Set() });
    s.to.add(f.destination);
    s.n += 1;
    s.distance += f.distance;
    s.delay += f.delay;
    s.min = Math.min(s.min, f.delay);
    s.max = Math.max(s.max, f.delay);
    sums.set(window, keys);
  }
  return new Map(
    [...sums].map(([window, keys]) => [
      window,
      Object.fromEntries(
        Object.entries(keys).map(([key, s]) => [
          key,
          { flights: s.n, distance: s.distance, avgDelay: s.delay / s.n, minDelay: s.min, maxDelay: s.max, destinations: s.to.size },
        ]),
      ),
    ]),
  );
}

/** `2001/01/01 00:47` (flights) or `1990-01-08` (bird strikes) as UTC ms, read here without the pipeline's time formats. */
const utc = (text: string) => {
  const [y, mo, d, h = 0, mi = 0] = text.split(/[-/ :]/).map(Number);
  return Date.UTC(y!, mo! - 1, d!, h, mi);
};

/** Splits a line of the bird-strike CSV (it holds no quotes; the test checks that) into fields. */
const csvFields = (line: string) => line.replace(/\r$/, '').split(',');

function recountInto(expected: Map<string, Record<string, number>>, job: string, sizeMs: number, items: { time: number; key: string }[]): void {
  for (const { time, key } of items) {
    const window = windowResultKey(job, Math.floor(time / sizeMs) * sizeMs);
    const counts = expected.get(window) ?? {};
    counts[key] = (counts[key] ?? 0) + 1;
    expected.set(window, counts);
  }
}

describe('declared sources end to end: the producer replays real files from the jobs file, the aggregator counts them', () => {
  const run = uniqueName('declared');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declared-'));
  const jobsFile = path.join(dir, 'jobs.json');
  const flightsTopic = `${run}-flights`;
  const strikesTopic = `${run}-strikes`;
  const resultsTopic = `${run}-results`;
  let aggregator: ServiceProcess | undefined;
  let gateway: ServiceProcess | undefined;

  beforeAll(() => {
    fs.writeFileSync(
      jobsFile,
      JSON.stringify({
        sources: [
          {
            name: 'flights',
            topic: flightsTopic,
            format: 'json',
            fields: {
              date: { type: 'timestamp', format: 'yyyy/MM/dd HH:mm', zone: 'UTC' },
              origin: { type: 'string' },
              destination: { type: 'string' },
              delay: { type: 'integer' },
              distance: { type: 'integer' },
            },
            time: 'date',
          },
          {
            name: 'strikes',
            topic: strikesTopic,
            format: 'json',
            fields: {
              day: { column: 'Flight Date', type: 'timestamp', format: 'yyyy-MM-dd' },
              state: { column: 'Origin State', path: 'origin.state', type: 'string' },
              cost: { column: 'Cost Total $', type: 'number' },
              speed: { column: 'Speed IAS in knots', type: 'integer', optional: true },
            },
            time: 'day',
          },
        ],
        jobs: [
          { name: 'flights-per-origin-hourly', source: 'flights', key: { field: 'origin' }, window: { type: 'tumbling', sizeMs: HOUR }, allowedLatenessMs: 0 },
          {
            name: 'routes-daily',
            source: 'flights',
            key: { fields: ['origin', 'destination'] },
            window: { type: 'tumbling', sizeMs: DAY },
            allowedLatenessMs: 0,
            maxKeys: 5000,
          },
          {
            name: 'flight-stats-per-origin-hourly',
            source: 'flights',
            key: { field: 'origin' },
            window: { type: 'tumbling', sizeMs: HOUR },
            allowedLatenessMs: 0,
            aggregates: [
              { name: 'flights', op: 'count' },
              { name: 'distance', op: 'sum', field: 'distance' },
              { name: 'avgDelay', op: 'avg', field: 'delay' },
              { name: 'minDelay', op: 'min', field: 'delay' },
              { name: 'maxDelay', op: 'max', field: 'delay' },
              { name: 'destinations', op: 'distinct', field: 'destination' },
            ],
          },
          {
            name: 'top-routes-daily',
            source: 'flights',
            key: { fields: ['origin', 'destination'] },
            window: { type: 'tumbling', sizeMs: DAY },
            allowedLatenessMs: 0,
            aggregates: [
              { name: 'flights', op: 'count' },
              { name: 'miles', op: 'sum', field: 'distance' },
            ],
            orderBy: 'miles',
            maxKeys: 10,
          },
          {
            name: 'costly-strikes-per-state-weekly',
            source: 'strikes',
            filter: 'cost > 0 and speed exists',
            key: { field: 'state' },
            window: { type: 'tumbling', sizeMs: WEEK },
            allowedLatenessMs: 0,
          },
        ],
      }),
    );
  });

  afterAll(async () => {
    await aggregator?.kill('SIGKILL');
    await gateway?.kill('SIGKILL');
    const redis = new Redis(testRedisUrl());
    const keys = await redis.keys(`st:{${run}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('flights per origin per hour (counts, and sum, mean, min and max), per route per day (a composite key, and the top 10 by miles) and costly bird strikes per state per week equal the recount', async () => {
    const replay = (source: string, file: string) =>
      runService(
        'producer',
        {
          KAFKA_BROKERS: testBrokers().join(','),
          SOURCE_FILE: jobsFile,
          SOURCE_NAME: source,
          INPUT_FILE: path.join(DATA, file),
          PACE: 'max',
          METRICS_PORT: '0',
          PROGRESS: 'off',
          LOG_LEVEL: 'info',
        },
        [],
      );
    const flightsRun = replay('flights', 'flights-20k.json');
    expect(flightsRun.status).toBe(0);
    expect(flightsRun.output).toContain('"events":20000,"deadLettered":0');
    const strikesRun = replay('strikes', 'birdstrikes.csv');
    expect(strikesRun.status).toBe(0);
    expect(strikesRun.output).toContain('"events":10000,"deadLettered":0,"deadLetterReasons":{},"headerLines":1');

    // the recount, from the files, with none of the pipeline's code
    const flights = JSON.parse(fs.readFileSync(path.join(DATA, 'flights-20k.json'), 'utf8')) as Flight[];
    const [header, ...rows] = fs.readFileSync(path.join(DATA, 'birdstrikes.csv'), 'utf8').split('\n').filter(Boolean);
    expect(fs.readFileSync(path.join(DATA, 'birdstrikes.csv'), 'utf8')).not.toContain('"');
    const column = (name: string) => csvFields(header!).indexOf(name);
    const [date, state, cost, speed] = ['Flight Date', 'Origin State', 'Cost Total $', 'Speed IAS in knots'].map(column);
    const expected = new Map<string, Record<string, number>>();
    recountInto(
      expected,
      'flights-per-origin-hourly',
      HOUR,
      flights.map((f) => ({ time: utc(f.date), key: f.origin })),
    );
    recountInto(
      expected,
      'flight-stats-per-origin-hourly',
      HOUR,
      flights.map((f) => ({ time: utc(f.date), key: f.origin })),
    );
    recountInto(
      expected,
      'routes-daily',
      DAY,
      flights.map((f) => ({ time: utc(f.date), key: JSON.stringify([f.origin, f.destination]) })),
    );
    const costly = rows.map(csvFields).filter((f) => Number(f[cost!]) > 0 && f[speed!]!.trim() !== '');
    recountInto(
      expected,
      'costly-strikes-per-state-weekly',
      WEEK,
      costly.map((f) => ({ time: utc(f[date!]!), key: f[state!]! })),
    );
    expect(costly.length).toBeGreaterThan(100);

    // the top 10 routes of each day by miles flown (ties by key, as the aggregator ranks), and the miles of the rest
    const miles = new Map<string, Map<string, number>>();
    for (const f of flights) {
      const window = windowResultKey('top-routes-daily', Math.floor(utc(f.date) / DAY) * DAY);
      const routes = miles.get(window) ?? new Map<string, number>();
      const route = JSON.stringify([f.origin, f.destination]);
      routes.set(route, (routes.get(route) ?? 0) + f.distance);
      miles.set(window, routes);
    }
    const topRoutes = new Map(
      [...miles].map(([window, routes]) => {
        const ranked = [...routes].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
        return [window, { top: ranked.slice(0, 10).map(([route, m]) => [route, m]), rest: ranked.slice(10).reduce((sum, [, m]) => sum + m, 0) }];
      }),
    );
    const stats = recountFlightStats(flights, 'flight-stats-per-origin-hourly', HOUR);

    const latest = new LatestResults();
    const kafka = createKafka({ brokers: testBrokers(), clientId: 'declared-test', logger: silentLogger() });
    aggregator = startService('aggregator', {
      KAFKA_BROKERS: testBrokers().join(','),
      REDIS_URL: testRedisUrl(),
      JOBS_FILE: jobsFile,
      STATE_NAMESPACE: run,
      CONSUMER_GROUP: `${run}-group`,
      RESULTS_TOPIC: resultsTopic,
      JOB_DESCRIPTIONS_TOPIC: `${run}-jobs`,
      LATE_EVENTS_TOPIC: `${run}-late`,
      DEAD_LETTER_TOPIC: `${run}-dlq`,
      IDLE_TIMEOUT_MS: '1000',
      EMIT_TICK_MS: '50',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    const reader = kafka.consumer({ groupId: uniqueName('declared-results'), maxWaitTimeInMs: 100 });
    await reader.connect();
    const a = aggregator;
    // created here, as the aggregator would, so the reader can subscribe before it starts
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: resultsTopic, numPartitions: 6, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    await admin.disconnect();
    await reader.subscribe({ topic: resultsTopic, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => latest.offer(String(message.key), JSON.parse(String(message.value)) as WindowResult) });
    // a setting the aggregator refuses ends it at once: fail then, with its words, not after the wait
    const exited = a.exited.then((code) => {
      throw new Error(`the aggregator exited (${code}):\n${a.output()}`);
    });
    try {
      const topFinal = () => [...topRoutes.keys()].every((key) => latest.byKey.get(key)?.final);
      const complete = waitFor(() => latest.complete(expected) && topFinal(), { what: 'every window final', timeoutMs: 120_000 });
      await Promise.race([complete, exited]).catch((err) => {
        throw new Error(`${(err as Error).message}\n${latest.describeGaps(expected)}\naggregator output:\n${a.output().slice(-3000)}`);
      });
    } finally {
      exited.catch(() => undefined); // the kill in afterAll ends it too
      await reader.disconnect();
    }
    expect(new Map([...latest.counts()].filter(([key]) => !key.startsWith('top-routes-daily@')))).toEqual(expected);

    // aggregates: count, sums, min and max exactly; the mean as the aggregator rounds it (4 places)
    expect(stats.size).toBeGreaterThan(1000);
    const estimates: [number, number][] = [];
    for (const [window, keys] of stats) {
      const values = latest.byKey.get(window)!.values!;
      expect(Object.keys(values).sort()).toEqual(Object.keys(keys).sort());
      for (const [origin, want] of Object.entries(keys)) {
        const got = values[origin]!;
        expect({ ...got, avgDelay: 0, destinations: 0 }).toEqual({ ...want, avgDelay: 0, destinations: 0 });
        expect(Math.abs(got.avgDelay! - want.avgDelay)).toBeLessThanOrEqual(MEAN_TOLERANCE());
        expect(Math.abs(got.destinations! - want.destinations)).toBeLessThanOrEqual(DISTINCT_TOLERANCE(want.destinations));
        estimates.push([got.destinations!, want.destinations]);
      }
    }
    // the distinct counts, estimated, off by no more than Redis's stated error over them all
    const exact = estimates.reduce((sum, [, want]) => sum + want, 0);
    const off = estimates.reduce((sum, [got, want]) => sum + Math.abs(got - want), 0);
    expect(off / exact).toBeLessThanOrEqual(0.0081);
    // top-N by an aggregate: the ten routes of each day with the most miles, in rank order, and the rest under other
    for (const [window, { top, rest }] of topRoutes) {
      const result = latest.byKey.get(window)!;
      expect(Object.entries(result.values!).map(([route, v]) => [route, v.miles])).toEqual(top);
      expect(result.other?.values?.miles ?? 0).toBe(rest);
    }

    // the page learns the jobs from the aggregator, through Kafka: the gateway describes them
    const port = await freePort();
    gateway = startService('gateway', {
      KAFKA_BROKERS: testBrokers().join(','),
      RESULTS_TOPIC: resultsTopic,
      JOB_DESCRIPTIONS_TOPIC: `${run}-jobs`,
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    const described = async () => {
      const reply = await fetch(`http://127.0.0.1:${port}/api/jobs`).catch(() => undefined);
      return reply?.ok
        ? ((await reply.json()) as { jobs: { name: string; key: unknown; window: unknown; source: { topic: string } }[]; withResults: string[] })
        : undefined;
    };
    await waitFor(async () => (await described())?.withResults.length === 5, {
      what: 'the gateway describing the jobs, with their results',
      timeoutMs: 60_000,
    });
    const { jobs } = (await described())!;
    expect(jobs.map((j) => [j.name, j.source.topic, j.key, j.window])).toEqual([
      ['flights-per-origin-hourly', flightsTopic, { fields: ['origin'] }, { type: 'tumbling', sizeMs: HOUR }],
      ['routes-daily', flightsTopic, { fields: ['origin', 'destination'] }, { type: 'tumbling', sizeMs: DAY }],
      ['flight-stats-per-origin-hourly', flightsTopic, { fields: ['origin'] }, { type: 'tumbling', sizeMs: HOUR }],
      ['top-routes-daily', flightsTopic, { fields: ['origin', 'destination'] }, { type: 'tumbling', sizeMs: DAY }],
      ['costly-strikes-per-state-weekly', strikesTopic, { fields: ['state'] }, { type: 'tumbling', sizeMs: WEEK }],
    ]);
  }, 300_000);
});
