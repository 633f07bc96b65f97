import type { UserActionEvent } from '@streamtally/contracts';
import { userAction } from './support/events';
import { encodeWindowResult } from '@streamtally/contracts';
import { uniqueName, waitFor } from '@streamtally/test-support';
import { MAX_RESULT_BYTES } from '../src/windowing/results';
import { AggregatorHarness, eventsIn, startAggregator } from './support/aggregator-harness';

const event = (ts: number, gender: number, province: string, line: number) => userAction({ ts, gender: gender as UserActionEvent['gender'], province, line });

// Regression: one row with a 1 MB province (or many long distinct provinces in one window)
// made a result too large for Kafka; emitting retried it forever and no job emitted again,
// not even after a restart, since the window stayed in Redis.
describe('results stay writable whatever the keys', () => {
  let harness: AggregatorHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('a 1 MB province and 3,000 long distinct ones: every job keeps emitting, results under the bound, also after a restart', async () => {
    const source = uniqueName('actions');
    harness = await startAggregator([
      { name: 'provinces', source, key: { field: 'province' }, window: { type: 'running' }, emitEveryMs: 50 },
      { name: 'gender', source, key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 }, allowedLatenessMs: 0, emitEveryMs: 50 },
    ]);
    const h = harness;
    const base = Date.now() - 60_000;
    // the broker's default limit is 1 MiB per record batch: the big one travels alone
    const records = [
      { partition: 0, value: event(base, 0, 'p'.repeat(1_000_000 - 200), 1) },
      ...Array.from({ length: 3000 }, (_, i) => ({ partition: i % 2, value: event(base + (i % 900), i % 3, `province-${i}-${'x'.repeat(300)}`, i + 2) })),
    ];
    await h.write(source, records.slice(0, 1));
    for (let i = 1; i < records.length; i += 500) await h.write(source, records.slice(i, i + 500));

    const provinces = await waitFor(
      () => {
        const r = h.latestResults().get('provinces@0');
        return r && eventsIn(r) === records.length ? r : undefined;
      },
      { what: 'the provinces total over every event', timeoutMs: 60_000 },
    );
    expect(encodeWindowResult(provinces).length).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(Object.keys(provinces.counts).length).toBeLessThanOrEqual(1000);
    expect(Object.values(provinces.counts).reduce((a, b) => a + b, 0) + provinces.other!.count).toBe(records.length);
    const gender = await waitFor(
      () => h.latestResults().get(`gender@${base - (base % 1000)}`)?.final && h.latestResults().get(`gender@${base - (base % 1000)}`),
      {
        what: 'the gender window final',
        timeoutMs: 30_000,
      },
    );
    expect(Object.values(gender.counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    await h.restart();
    const later = base + 5000;
    await h.write(source, [
      { partition: 0, value: event(later, 1, '上海', 9999) },
      { partition: 1, value: event(later, 1, '上海', 10_000) },
    ]);
    const after = await waitFor(
      () => h.latestResults().get(`gender@${later - (later % 1000)}`)?.final && h.latestResults().get(`gender@${later - (later % 1000)}`),
      {
        what: 'a new gender window after the restart',
        timeoutMs: 30_000,
      },
    );
    expect(after.counts).toEqual({ '1': 2 });
    await waitFor(() => eventsIn(h.latestResults().get('provinces@0')) === records.length + 2, {
      what: 'the provinces total after the restart',
      timeoutMs: 30_000,
    });
    expect(h.app.health().healthy).toBe(true);
  });
});
