import { waitFor } from '@streamtally/test-support';
import { UPDATE_FRAME_BYTES } from '../src/domain/protocol';
import { connectClient, description, GatewayHarness, result, resultsIn, startGateway, subscribed } from './support/gateway-harness';

describe('gateway against the real broker', () => {
  let gateway: GatewayHarness | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it('a result written to the topic reaches a subscribed client; a lower version never overwrites a higher one', async () => {
    gateway = await startGateway();
    const client = await connectClient(gateway.url);
    await subscribed(client, ['gender-per-second']);
    await gateway.publish([result('gender-per-second', 1000, { '0': 5, '1': 3 })]);
    await waitFor(() => resultsIn(client.messages).length > 0, { what: 'the first update' });
    await gateway.publish([result('gender-per-second', 1000, { '0': 1 }), result('gender-per-second', 1000, { '0': 6, '1': 3 }, true)]);
    const updates = () => resultsIn(client.messages).map((r) => r.version);
    await waitFor(() => updates().includes(19), { what: 'the final version' });
    expect(updates()).toEqual([16, 19]); // version 2 (lower) was never sent
    expect((await gateway.windows('gender-per-second')).find((w) => w.windowStart === 1000)).toMatchObject({ version: 19, final: true });
    // a client arriving later gets the highest version in its snapshot
    const late = await connectClient(gateway.url);
    await subscribed(late, ['gender-per-second']);
    expect(late.messages.find((m) => m.type === 'snapshot')).toMatchObject({ windows: [{ version: 19, counts: { '0': 6, '1': 3 } }] });
    client.socket.close();
    late.socket.close();
  });

  it('describes the jobs as the aggregator last wrote them: /api/jobs, and a `jobs` message to clients on connect and on change', async () => {
    gateway = await startGateway();
    const g = gateway;
    const client = await connectClient(gateway.url);
    const first = [description('flights-per-origin-hourly', ['origin'], 3_600_000), description('routes-daily', ['origin', 'destination'], 86_400_000)];
    await gateway.describe(first);
    await waitFor(() => client.messages.some((m) => m.type === 'jobs'), { what: 'the jobs message' });
    expect(client.messages.find((m) => m.type === 'jobs')).toEqual({ type: 'jobs', jobs: first });
    expect(await g.jobs()).toEqual({ jobs: first, withResults: [] });
    // the jobs file changed and the aggregator started again: the latest record is the truth
    const second = [description('routes-daily', ['origin', 'destination'], 86_400_000, { filter: 'delay > 15', title: 'Late routes' })];
    await gateway.publish([result('routes-daily', 0, { '["ORD","LAX"]': 3 })]);
    await gateway.describe(second);
    await waitFor(async () => (await g.jobs()).jobs.length === 1, { what: 'the second description' });
    expect(await g.jobs()).toEqual({ jobs: second, withResults: ['routes-daily'] });
    expect(client.messages.filter((m) => m.type === 'jobs').map((m) => m.jobs)).toEqual([first, second]);
    // a client connecting now is told at once
    const late = await connectClient(gateway.url);
    await waitFor(() => late.messages.length > 0, { what: 'the first message' });
    expect(late.messages[0]).toEqual({ type: 'jobs', jobs: second });
    client.socket.close();
    late.socket.close();
  });

  it("a client that never reads neither delays the others nor grows the server's memory without bound", async () => {
    gateway = await startGateway({ SOFT_BUFFER_BYTES: '16384', HARD_BUFFER_BYTES: '131072' });
    const fast = await connectClient(gateway.url);
    const stuck = await connectClient(gateway.url);
    await subscribed(fast, ['words']);
    await subscribed(stuck, ['words']);
    (stuck.socket as unknown as { _socket: { pause(): void } })._socket.pause(); // stops reading: its buffers fill
    const bigCounts = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`word-${i}`, 1]));
    // ~20 KB each: 500 of them are 10 MB, 75 times the hard bound (1,500 timed out at 60 s once
    // on a CI machine loaded by other suites: the volume, not the gateway)
    const results = Array.from({ length: 500 }, (_, i) => result('words', i * 1000, { ...bigCounts, n: i + 1 }));
    await gateway.sendBufferPeak(); // from now on
    const started = Date.now();
    await gateway.publish(results);
    await waitFor(() => resultsIn(fast.messages).length >= results.length, {
      what: 'every update at the fast client',
      timeoutMs: 45_000,
    });
    // the largest send buffer any client had after a frame was queued (the gateway's own gauge)
    const maxBuffered = await gateway.sendBufferPeak();
    const seconds = (Date.now() - started) / 1000;
    // a frame holds one result, or several up to UPDATE_FRAME_BYTES
    const frameBytes = Math.max(JSON.stringify({ type: 'update', result: results[0] }).length, UPDATE_FRAME_BYTES);
    expect(seconds).toBeLessThan(30);
    expect(maxBuffered).toBeGreaterThan(16_384); // the stuck client passed the soft bound (updates were coalesced)
    expect(maxBuffered).toBeLessThanOrEqual(131_072 + 2 * frameBytes);
    const closedSlow = await gateway.registry.getSingleMetricAsString('streamtally_gateway_slow_clients_closed_total');
    const coalesced = await gateway.registry.getSingleMetricAsString('streamtally_gateway_updates_coalesced_total');
    expect(closedSlow).toMatch(/ 1$/m);
    expect(coalesced).toMatch(/ [1-9]\d*$/m);
    (stuck.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await stuck.closed).code).toBe(1013);
    fast.socket.close();
  });

  it('answers bad frames with errors, closes after repeated ones (1008), and refuses oversized frames (1009)', async () => {
    gateway = await startGateway({ MAX_PROTOCOL_ERRORS: '3', MAX_MESSAGE_BYTES: '256' });
    const client = await connectClient(gateway.url);
    client.send('not json');
    client.send({ type: 'explode' });
    await waitFor(() => client.messages.length >= 2, { what: 'two errors' });
    expect(client.messages).toEqual([
      { type: 'error', error: 'invalid JSON' },
      { type: 'error', error: 'unknown message type "explode"; expected subscribe, unsubscribe or ping' },
    ]);
    client.send({ type: 'subscribe' });
    expect((await client.closed).code).toBe(1008);

    const big = await connectClient(gateway.url);
    big.send({ type: 'subscribe', jobs: ['x'.repeat(300)] });
    expect((await big.closed).code).toBe(1009);
  });

  it('refuses the connection past MAX_CONNECTIONS and checks origins and the token', async () => {
    const token = 'token-1234'.repeat(4);
    gateway = await startGateway({ MAX_CONNECTIONS: '2', ALLOWED_ORIGINS: 'http://dash.example', AUTH_TOKEN: token });
    const url = gateway.url;
    const headers = { authorization: `Bearer ${token}` };
    const a = await connectClient(url, { origin: 'http://dash.example', headers });
    const b = await connectClient(url, { headers });
    await expect(connectClient(url, { headers })).rejects.toThrow('HTTP 503');
    a.socket.close();
    await a.closed;
    const g = gateway;
    await waitFor(async () => (await g.clients()) === 1, { what: 'the first client gone' });
    await expect(connectClient(url, { origin: 'http://evil.example', headers })).rejects.toThrow('HTTP 403');
    await expect(connectClient(gateway.url)).rejects.toThrow('HTTP 401');
    // a token in the URL is never taken: it would end up in proxy and browser logs
    await expect(connectClient(`${gateway.url}?token=${token}`)).rejects.toThrow('HTTP 401');
    b.socket.close();
  });

  it('by default, only the page’s own origin may open /ws', async () => {
    gateway = await startGateway();
    const own = new URL(gateway.url.replace('ws://', 'http://')).origin;
    const client = await connectClient(gateway.url, { origin: own });
    await expect(connectClient(gateway.url, { origin: 'http://elsewhere.example' })).rejects.toThrow('HTTP 403');
    client.socket.close();
  });

  it('closes every socket with 1001 when the gateway shuts down', async () => {
    const harness = await startGateway();
    const client = await connectClient(harness.url);
    await harness.close();
    expect(await client.closed).toEqual({ code: 1001, reason: 'the gateway is shutting down' });
  });

  it('serves /metrics and the probes on METRICS_PORT, never /metrics on the public port', async () => {
    const separate = await startGateway({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
    try {
      const publicBase = separate.url.replace('ws://', 'http://').replace(/\/ws$/, '');
      expect(separate.metricsPort).toBeGreaterThan(0);
      const metrics = await fetch(`http://127.0.0.1:${separate.metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('streamtally_gateway_');
      expect((await fetch(`${publicBase}/metrics`)).status).toBe(404);
      const ready = await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${separate.metricsPort}/readyz`);
          return response.status === 200 && response;
        },
        { timeoutMs: 20_000, what: 'the metrics port /readyz to say the consumer runs' },
      );
      expect(await ready.json()).toMatchObject({ status: 'ok', running: true, caughtUp: true });
      expect((await fetch(`http://127.0.0.1:${separate.metricsPort}/livez`)).status).toBe(200);
    } finally {
      await separate.close();
    }
  });

  it('fails readiness for DRAIN_DELAY_MS before it closes any socket on shutdown, alive meanwhile', async () => {
    const gateway = await startGateway({ DRAIN_DELAY_MS: '1500' });
    const base = gateway.url.replace('ws://', 'http://').replace(/\/ws$/, '');
    const probe = async (path: string) => (await fetch(`${base}${path}`)).status;
    await waitFor(async () => (await probe('/readyz')) === 200, { timeoutMs: 20_000, what: 'the gateway to be ready' });
    const client = await connectClient(gateway.url);
    let socketClosed = false;
    void client.closed.then(() => (socketClosed = true));
    const closing = gateway.close();
    await waitFor(async () => (await probe('/readyz')) === 503, { timeoutMs: 5_000, what: '/readyz to fail once shutdown began' });
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: 'draining: shutting down' });
    expect(await probe('/livez')).toBe(200);
    expect(socketClosed).toBe(false); // still served while the load balancer learns
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    await closing;
    expect(await client.closed).toEqual({ code: 1001, reason: 'the gateway is shutting down' });
  });
});
