import type { UserActionEvent } from '@streamtally/contracts';
import { userAction } from './support/events';
import { readTopic, uniqueName, waitFor } from '@streamtally/test-support';
import { LateEvent } from '@streamtally/contracts';
import { AggregatorHarness, startAggregator } from './support/aggregator-harness';

const event = (ts: number, gender: number, line: number) => userAction({ ts, gender: gender as UserActionEvent['gender'], line });

describe('aggregator against the real broker and Redis', () => {
  let harness: AggregatorHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('puts out-of-order events in their windows, late ones on the late topic, bad records on the dead-letter topic', async () => {
    const source = uniqueName('actions');
    harness = await startAggregator([
      { name: 'g', source, key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 }, allowedLatenessMs: 1000, emitEveryMs: 50 },
    ]);
    const base = 1_700_000_000_000;
    // partition 0 runs ahead to base+5500 (watermark base+4500); partition 1 is out of order
    await harness.write(source, [
      { partition: 0, value: event(base + 200, 0, 1) },
      { partition: 0, value: event(base + 1200, 1, 2) },
      { partition: 0, value: event(base + 900, 1, 3) }, // out of order, within lateness
      { partition: 0, value: event(base + 5500, 0, 4) },
      { partition: 0, value: event(base + 300, 2, 5) }, // window [base, base+1000) ended before base+4500: late
      { partition: 0, value: 'not an event' },
      { partition: 1, value: event(base + 1700, 0, 6) },
      { partition: 1, value: event(base + 1100, 1, 7) }, // out of order on its own partition
    ]);
    const h = harness;
    const finals = await waitFor(
      () => {
        const latest = h.latestResults();
        return [...latest.values()].filter((r) => r.final).length >= 3 ? latest : undefined;
      },
      { what: 'three final windows', timeoutMs: 30_000 },
    );
    expect(finals.get(`g@${base}`)).toMatchObject({ final: true, counts: { '0': 1, '1': 1 }, windowEnd: base + 1000 });
    expect(finals.get(`g@${base}`)!.version % 2).toBe(1); // a final's version is odd: above every provisional one of its state
    expect(finals.get(`g@${base + 1000}`)).toMatchObject({ final: true, counts: { '0': 1, '1': 2 } });
    expect(finals.get(`g@${base + 5000}`)).toMatchObject({ final: true, counts: { '0': 1 } });

    const late = (await readTopic(h.kafka, h.config.LATE_EVENTS_TOPIC, 1)).map((r) => JSON.parse(r.value!) as LateEvent);
    expect(late).toEqual([
      expect.objectContaining({
        job: 'g',
        windowStart: base,
        eventTs: base + 300,
        watermark: base + 4500,
        source: { topic: source, partition: 0, offset: '4' },
      }),
    ]);
    const dead = await readTopic(h.kafka, h.config.DEAD_LETTER_TOPIC, 1);
    expect(JSON.parse(dead[0]!.value!)).toMatchObject({
      code: 'not_an_object',
      reason: 'value is not a JSON object',
      source: { topic: source, partition: 0, offset: '5' },
    });
    expect(await h.registry.getSingleMetricAsString('streamtally_aggregator_late_events_total')).toContain('aggregation="g"} 1');
  });

  it('counts words of text lines like a simple recount', async () => {
    const source = uniqueName('text-lines');
    harness = await startAggregator([
      { name: 'wc', source, format: 'text-line', key: { words: 'text' }, window: { type: 'tumbling', sizeMs: 10_000 }, allowedLatenessMs: 0, emitEveryMs: 50 },
    ]);
    const lines = ['the quick brown fox', 'jumps over the lazy dog', 'The dog, the fox!', 'quick quick'];
    const ts = 1_700_000_000_000;
    await harness.write(
      source,
      lines.map((text, i) => ({ partition: i % 2, value: { text, ts: ts + i, source: 'test' } })),
    );
    const recount: Record<string, number> = {};
    for (const line of lines) for (const word of line.toLowerCase().match(/[a-z]+/g)!) recount[word] = (recount[word] ?? 0) + 1;
    const h = harness;
    const result = await waitFor(
      () => {
        const r = h.latestResults().get(`wc@${ts}`);
        return r?.final ? r : undefined;
      },
      { what: 'the final word count', timeoutMs: 30_000 },
    );
    expect(result.counts).toEqual(recount);
  });

  // regression: the emitter ran before any input, all partitions idle, and moved the closed
  // point to the wall clock, so a backfill with old timestamps became entirely late
  it('counts a backfill of old events that arrives after the aggregator has idled', async () => {
    const source = uniqueName('backfill');
    harness = await startAggregator(
      [{ name: 'g', source, key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 }, allowedLatenessMs: 0, emitEveryMs: 50 }],
      { IDLE_TIMEOUT_MS: '100' },
    );
    const h = harness;
    // let the emitter see the empty, idle topic a few times first
    const lag = async () =>
      Number(/aggregation="g"} ([\d.e+-]+)/.exec(await h.registry.getSingleMetricAsString('streamtally_aggregator_watermark_lag_seconds'))?.[1] ?? 0);
    await waitFor(async () => (await lag()) > 0, { what: 'the emitter watching the idle topic' });
    const old = 1_500_000_000_000;
    await h.write(source, [
      { partition: 0, value: event(old + 10, 1, 1) },
      { partition: 1, value: event(old + 20, 0, 2) },
    ]);
    const result = await waitFor(
      () => {
        const r = h.latestResults().get(`g@${old}`);
        return r?.final ? r : undefined;
      },
      { what: 'the backfilled window final' },
    );
    expect(result.counts).toEqual({ '0': 1, '1': 1 });
  });

  it('a job that emits final results only writes exactly one result per window, the final one; its twin emitting changes writes provisional ones first', async () => {
    const source = uniqueName('actions');
    const job = { source, key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 }, allowedLatenessMs: 0, emitEveryMs: 50 };
    harness = await startAggregator([
      { name: 'finals', ...job, emit: 'final' },
      { name: 'changes', ...job },
    ]);
    const base = 1_700_000_000_000;
    const h = harness;
    // written in six steps, two per window, so each window changes while it is open
    let line = 1;
    for (const offset of [0, 500, 1000, 1500, 2000, 2500]) {
      await h.write(
        source,
        Array.from({ length: 30 }, (_, i) => ({ partition: i % 2, value: event(base + offset + i * 15, i % 3, line++) })),
      );
      const start = base + Math.floor(offset / 1000) * 1000;
      await waitFor(
        () => Object.values(h.latestResults().get(`changes@${start}`)?.counts ?? {}).reduce((a, b) => a + b, 0) === (offset % 1000 === 0 ? 30 : 60),
        {
          what: `the events at +${offset} in the changes job's window`,
        },
      );
    }
    // closing them all: a record far later on both partitions
    await h.write(
      source,
      [0, 1].map((partition) => ({ partition, value: event(base + 10_000, 0, line++) })),
    );
    const windows = [base, base + 1000, base + 2000];
    await waitFor(() => windows.every((start) => h.latestResults().get(`finals@${start}`)?.final), { what: 'the three windows final', timeoutMs: 30_000 });
    const finals = h.resultsSeen().filter((r) => r.job === 'finals' && r.windowStart < base + 10_000);
    expect(finals.map((r) => [r.windowStart, r.final])).toEqual(windows.map((start) => [start, true]));
    const changes = h.resultsSeen().filter((r) => r.job === 'changes' && r.windowStart < base + 10_000);
    expect(changes.some((r) => !r.final)).toBe(true);
    for (const start of windows) expect(h.latestResults().get(`finals@${start}`)!.counts).toEqual(h.latestResults().get(`changes@${start}`)!.counts);
  }, 60_000);
});
