import fs from 'node:fs';
import path from 'node:path';
import type { WindowResult } from '@streamtally/contracts';
import { uniqueName, waitFor } from '@streamtally/test-support';
import { AggregatorHarness, startAggregator } from '../support/aggregator-harness';

// Real public data (the npm package vega-datasets), declared as JSON sources in the jobs file,
// counted by the real aggregator on the real broker and Redis, and compared with a recount
// done here without any of the aggregator's code. (The flights, replayed by the producer from
// the same declaration: packages/pipeline-tests/test/declared-sources.int.test.ts.)
// the package exports only its code (build/index.js); its data sets sit beside it
const DATA = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data');
const HOUR = 3_600_000;

interface Quake {
  properties: { time: number; net: string; mag: number };
  geometry: { coordinates: number[] };
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
});
