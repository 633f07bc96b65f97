import fs from 'node:fs';
import { waitFor } from '@streamtally/test-support';
import { connectClient, GatewayHarness, result, startGateway, subscribed, TestClient } from './support/gateway-harness';

// Regression: 12 never-reading clients sending 1,000 subscribes each took the gateway from
// 416 MB to 1,450 MB, none was closed within 40 s, and a well-behaved client saw 3.3 s gaps:
// snapshot replies bypassed the per-client buffer limits.
const JOBS = ['gender-per-second', 'actions-per-second', 'provinces-60s', 'word-count-10s', 'gender-running-total'];
const pause = (client: TestClient) => (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();

describe('gateway under WebSocket abuse', () => {
  let gateway: GatewayHarness | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it.each([
    // small snapshots: the flood itself is what closes them
    ['the control-message rate', {}, 1, 'protocol'],
    // full histories (120 windows of 60 provinces: ~150 KB a snapshot), no rate limit to speak of
    ['the buffer bound on snapshot replies', { MAX_MESSAGES_PER_SECOND: '10000' }, 120, 'slow'],
  ])('never-reading subscribe floods are closed by %s; memory stays bounded and a good client is not starved', async (_case, settings, history, closedAs) => {
    gateway = await startGateway(settings);
    const g = gateway;
    const provinces = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`province-${i}`, i + 1]));
    await g.publish(JOBS.flatMap((job) => Array.from({ length: history }, (_, i) => result(job, i * 1000, provinces, true))));
    await waitFor(async () => (await Promise.all(JOBS.map(async (job) => (await g.windows(job)).length === history))).every(Boolean), {
      what: 'the histories',
      timeoutMs: 30_000,
    });

    const good = await connectClient(g.url);
    await subscribed(good, ['gender-per-second']);
    const arrivals: number[] = [];
    good.socket.on('message', () => arrivals.push(Date.now()));
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
    let live = true;
    const ticker = (async () => {
      for (let i = 0; live; i += 1) {
        await g.publish([result('gender-per-second', 200_000, { '0': i + 1 })]);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      const abusers = await Promise.all(Array.from({ length: 12 }, () => connectClient(g.url)));
      for (const abuser of abusers) {
        pause(abuser); // it never reads again
        for (let i = 0; i < 1000; i += 1) abuser.send({ type: 'subscribe', jobs: JOBS });
      }
      await waitFor(async () => (await g.clients()) === 1, { what: 'every abuser closed by the gateway', timeoutMs: 10_000 });
      const since = Date.now();
      await waitFor(() => Date.now() - since > 3000 && arrivals.length > 10, { what: 'three more seconds of updates', timeoutMs: 10_000 });
    } finally {
      live = false;
      clearInterval(sampler);
      await ticker;
    }
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    // scripts/bench/ws-abuse.sh runs this alone and reports the figures against the 1 s goal
    const report = process.env.WS_ABUSE_REPORT;
    if (report)
      fs.appendFileSync(
        report,
        `${JSON.stringify({ case: _case, maxGapMs: Math.max(...gaps), rssGrowthMb: Math.round((rssPeak - rssBefore) / 1024 / 1024) })}\n`,
      );
    // starvation, not latency (that is the benchmark's job): the regression left 3.3 s gaps; a
    // 1 s bound failed now and then on two cores shared with the broker and the flood itself
    expect(Math.max(...gaps)).toBeLessThan(2500);
    expect((rssPeak - rssBefore) / 1024 / 1024).toBeLessThan(200);
    const metric = closedAs === 'protocol' ? 'streamtally_gateway_protocol_clients_closed_total' : 'streamtally_gateway_slow_clients_closed_total';
    expect(await g.registry.getSingleMetricAsString(metric)).toMatch(/ 12$/m);
    good.socket.close();
  });
});
