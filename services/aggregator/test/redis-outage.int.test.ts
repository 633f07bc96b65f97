import type { UserActionEvent } from '@streamtally/contracts';
import { userAction } from './support/events';
import { startOpsServer, type OpsServer } from '@streamtally/observability';
import { startPrivateRedis, PrivateRedis, uniqueName, waitFor } from '@streamtally/test-support';
import { AggregatorHarness, eventsIn, startAggregator } from './support/aggregator-harness';

const event = (ts: number, gender: number, line: number) => userAction({ ts, gender: gender as UserActionEvent['gender'], line });

// Redis goes away mid-run and comes back: the aggregator backs off, never moves an offset
// without its state, resumes by itself, and the counts are exact.
describe('Redis outage', () => {
  let redis: PrivateRedis;
  let harness: AggregatorHarness | undefined;
  let ops: OpsServer | undefined;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await ops?.close();
    await harness?.close().catch(() => undefined);
    await redis?.close();
  });

  it('counts every event exactly once across the outage', async () => {
    const source = uniqueName('actions');
    harness = await startAggregator(
      // a running total never closes, so every event must land in it, once
      [{ name: 'g', source, key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 50 }],
      { REDIS_URL: redis.url },
    );
    // the probes as main.ts serves them
    ops = await startOpsServer({ registry: harness.registry, health: () => harness!.app.health(), port: 0, host: '127.0.0.1' });
    const probe = async (path: string) => (await fetch(`http://127.0.0.1:${ops!.port}${path}`)).status;
    const base = 1_700_000_000_000;
    const before = Array.from({ length: 300 }, (_, i) => ({ partition: i % 2, value: event(base + i, i % 3, i + 1) }));
    const during = Array.from({ length: 300 }, (_, i) => ({ partition: i % 2, value: event(base + 300 + i, i % 3, 301 + i) }));
    await harness.write(source, before);
    const h = harness;
    await waitFor(() => eventsIn(h.latestResults().get('g@0')) === 300 || undefined, { what: 'the first 300 counted' }).catch((err) => {
      throw new Error(`${(err as Error).message}; results: ${JSON.stringify([...h.latestResults().values()])}; health ${JSON.stringify(h.app.health())}`);
    });

    await redis.stop();
    await harness.write(source, during); // arrives while Redis is away
    const failures = () => h.registry.getSingleMetricAsString('streamtally_aggregator_checkpoint_failures_total');
    await waitFor(async () => /reason="error"} [1-9]/.test(await failures()), { what: 'a checkpoint failing while Redis is away' });
    expect(h.app.health().healthy).toBe(false);
    // not ready (it cannot count now), but alive: an orchestrator must not restart it for this
    expect({ ready: await probe('/readyz'), alive: await probe('/livez') }).toEqual({ ready: 503, alive: 200 });
    await redis.start();

    const total = await waitFor(
      () => {
        const r = h.latestResults().get('g@0');
        return r && eventsIn(r) >= 600 ? r : undefined;
      },
      { what: 'all 600 counted after Redis came back', timeoutMs: 40_000 },
    );
    expect(total.counts).toEqual({ '0': 200, '1': 200, '2': 200 });
    await waitFor(() => h.app.health().healthy, { what: 'healthy again' });
    expect(await probe('/readyz')).toBe(200);
  }, 90_000);
});
