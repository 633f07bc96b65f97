import fs from 'node:fs';
import path from 'node:path';
import type { WindowResult } from '@streamtally/contracts';
import { uniqueName, waitFor } from '@streamtally/test-support';
import { AggregatorHarness, startAggregator } from '../support/aggregator-harness';

// Real public data (the npm package vega-datasets), declared as JSON sources in the jobs file,
// counted by the real aggregator on the real broker and Redis, and compared with a recount
// done here without any of the aggregator's code.
// the package exports only its code (build/index.js); its data sets sit beside it
const DATA = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Quake {
  properties: { time: number; net: string; mag: number };
  geometry: { coordinates: number[] };
}
interface Flight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}

/** job → window start → key → count, from the final results. */
function finalCounts(latest: Map<string, WindowResult>, job: string): Map<number, Record<string, number>> {
  const byWindow = new Map<number, Record<string, number>>();
  for (const r of latest.values()) if (r.job === job && r.final) byWindow.set(r.windowStart, { ...r.counts });
  return byWindow;
}

function recount<T>(items: readonly T[], windowOf: (item: T) => number, keyOf: (item: T) => string): Map<number, Record<string, number>> {
  const byWindow = new Map<number, Record<string, number>>();
  for (const item of items) {
    const counts = byWindow.get(windowOf(item)) ?? {};
    counts[keyOf(item)] = (counts[keyOf(item)] ?? 0) + 1;
    byWindow.set(windowOf(item), counts);
  }
  return byWindow;
}

/** The flights file's `2001/01/01 00:47`, read as UTC, independently of the aggregator's time formats. */
const flightTime = (date: string) => {
  const [y, mo, d, h, mi] = date.split(/[/ :]/).map(Number);
  return Date.UTC(y!, mo! - 1, d!, h!, mi!);
};

describe('declared JSON sources over real data', () => {
  let harness: AggregatorHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('USGS earthquakes (GeoJSON features): counted per network per hour by nested fields, equal to the recount', async () => {
    const features = (JSON.parse(fs.readFileSync(path.join(DATA, 'earthquakes.json'), 'utf8')) as { features: Quake[] }).features;
    const topic = uniqueName('quakes');
    harness = await startAggregator({
      sources: [
        {
          name: 'quakes',
          topic,
          format: 'json',
          fields: {
            time: { path: 'properties.time', type: 'timestamp', format: 'epoch-ms' },
            net: { path: 'properties.net', type: 'string' },
            mag: { path: 'properties.mag', type: 'number' },
            depth: { path: 'geometry.coordinates[2]', type: 'number' },
          },
          time: 'time',
        },
      ],
      jobs: [
        {
          name: 'quakes-per-net-hourly',
          source: 'quakes',
          key: { field: 'net' },
          window: { type: 'tumbling', sizeMs: HOUR },
          allowedLatenessMs: 0,
          emitEveryMs: 100,
        },
      ],
    });
    // in time order, one record per feature, over two partitions
    const ordered = [...features].sort((a, b) => a.properties.time - b.properties.time);
    await harness.writeRaw(
      topic,
      ordered.map((f, i) => ({ partition: i % 2, value: JSON.stringify(f) })),
    );
    const expected = recount(
      ordered,
      (f) => Math.floor(f.properties.time / HOUR) * HOUR,
      (f) => f.properties.net,
    );
    const h = harness;
    await waitFor(() => finalCounts(h.latestResults(), 'quakes-per-net-hourly').size === expected.size, {
      what: `${expected.size} final hours`,
      timeoutMs: 60_000,
    });
    expect(finalCounts(h.latestResults(), 'quakes-per-net-hourly')).toEqual(expected);
    expect(features.length).toBe(1707);
  }, 120_000);

  it('US flights: per origin per hour, and per origin and destination per day (a composite key), equal to the recount', async () => {
    const flights = JSON.parse(fs.readFileSync(path.join(DATA, 'flights-20k.json'), 'utf8')) as Flight[];
    const topic = uniqueName('flights');
    harness = await startAggregator({
      sources: [
        {
          name: 'flights',
          topic,
          format: 'json',
          fields: {
            date: { type: 'timestamp', format: 'yyyy/MM/dd HH:mm', zone: 'UTC' },
            origin: { type: 'string' },
            destination: { type: 'string' },
            delay: { type: 'integer' },
          },
          time: 'date',
        },
      ],
      jobs: [
        {
          name: 'flights-per-origin-hourly',
          source: 'flights',
          key: { field: 'origin' },
          window: { type: 'tumbling', sizeMs: HOUR },
          allowedLatenessMs: 0,
          emitEveryMs: 100,
        },
        {
          name: 'routes-daily',
          source: 'flights',
          key: { fields: ['origin', 'destination'] },
          window: { type: 'tumbling', sizeMs: DAY },
          allowedLatenessMs: 0,
          emitEveryMs: 100,
          maxKeys: 5000,
        },
      ],
    });
    const ordered = [...flights].sort((a, b) => flightTime(a.date) - flightTime(b.date));
    await harness.writeRaw(
      topic,
      ordered.map((f, i) => ({ partition: i % 2, value: JSON.stringify(f) })),
    );
    const hourly = recount(
      ordered,
      (f) => Math.floor(flightTime(f.date) / HOUR) * HOUR,
      (f) => f.origin,
    );
    const daily = recount(
      ordered,
      (f) => Math.floor(flightTime(f.date) / DAY) * DAY,
      (f) => JSON.stringify([f.origin, f.destination]),
    );
    const h = harness;
    await waitFor(
      () =>
        finalCounts(h.latestResults(), 'flights-per-origin-hourly').size === hourly.size && finalCounts(h.latestResults(), 'routes-daily').size === daily.size,
      { what: 'every final window of both jobs', timeoutMs: 90_000 },
    );
    expect(finalCounts(h.latestResults(), 'flights-per-origin-hourly')).toEqual(hourly);
    expect(finalCounts(h.latestResults(), 'routes-daily')).toEqual(daily);
  }, 150_000);
});
