import type { UserActionEvent } from '@streamtally/contracts';
import { userAction } from './support/events';
import { uniqueName, waitFor } from '@streamtally/test-support';
import { AggregatorHarness, eventsIn, startAggregator } from './support/aggregator-harness';

const event = (ts: number, line: number) => userAction({ ts, gender: (line % 3) as UserActionEvent['gender'], line });

// Regression: commits to Kafka were throttled to one per KAFKA_COMMIT_INTERVAL_MS and the
// last offsets were never committed, so Kafka's tools (and `topics`) showed lag for good.
describe('offsets committed to Kafka (for lag tools)', () => {
  let harness: AggregatorHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function lagOf(h: AggregatorHarness, topic: string): Promise<number> {
    const admin = h.kafka.admin();
    await admin.connect();
    try {
      const [ends, [committed]] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId: h.config.CONSUMER_GROUP, topics: [topic] }),
      ]);
      return ends.reduce((lag, end) => {
        const at = committed!.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        return lag + Number(end.high) - Math.max(0, Number(at));
      }, 0);
    } finally {
      await admin.disconnect();
    }
  }

  async function writeInBursts(h: AggregatorHarness, topic: string): Promise<void> {
    const base = Date.now();
    for (let burst = 0; burst < 5; burst += 1) {
      await h.write(
        topic,
        Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, value: event(base + burst * 10 + i, burst * 40 + i + 1) })),
      );
    }
  }

  it('reaches zero lag within an interval once the partitions go quiet', async () => {
    const source = uniqueName('actions');
    harness = await startAggregator([{ name: 'g', source, key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 50 }], {
      KAFKA_COMMIT_INTERVAL_MS: '500',
    });
    const h = harness;
    await writeInBursts(h, source);
    await waitFor(async () => (await lagOf(h, source)) === 0, { what: 'Kafka lag 0', timeoutMs: 15_000, intervalMs: 200 });
  });

  it('commits the last offsets at close, however long the interval', async () => {
    const source = uniqueName('actions');
    harness = await startAggregator([{ name: 'g', source, key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 50 }], {
      KAFKA_COMMIT_INTERVAL_MS: '600000',
    });
    const h = harness;
    const base = Date.now();
    // a first batch (its commit goes out at once), then a second one after it is counted: the
    // second's commit waits for the interval, so Kafka shows lag until close, whatever the batching
    await h.write(
      source,
      [0, 1].map((partition) => ({ partition, value: event(base + partition, partition + 1) })),
    );
    await waitFor(() => eventsIn(h.latestResults().get('g@0')) === 2, { what: 'the first 2 events counted', timeoutMs: 20_000 });
    await waitFor(async () => (await lagOf(h, source)) === 0, { what: 'the first commits', timeoutMs: 10_000, intervalMs: 200 });
    await writeInBursts(h, source);
    await waitFor(() => eventsIn(h.latestResults().get('g@0')) === 202, { what: 'all 202 events counted', timeoutMs: 20_000 }).catch((err) => {
      throw new Error(`${(err as Error).message}; results: ${JSON.stringify([...h.latestResults()])}`);
    });
    expect(await lagOf(h, source)).toBe(200); // the later commits held back by the interval
    await h.app.close();
    expect(await lagOf(h, source)).toBe(0);
  });
});
