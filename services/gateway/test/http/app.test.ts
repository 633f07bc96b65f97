import { Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import { silentLogger } from '@streamtally/observability';
import { buildGatewayApp, sameSecret } from '../../src/http/app';
import { Hub } from '../../src/domain/hub';
import { WindowStore } from '../../src/domain/window-store';
import { createGatewayMetrics } from '../../src/metrics';
import { parseGatewayConfig } from '../../src/config';

async function build(settings: Record<string, string> = {}, state = { running: true, caughtUp: true }) {
  const parsed = parseGatewayConfig({ KAFKA_BROKERS: 'k:9092', ...settings });
  if (!parsed.ok) throw new Error(parsed.errors.join());
  const registry = new Registry();
  const metrics = createGatewayMetrics(registry);
  const hub = new Hub<WebSocket>(
    new WindowStore(10),
    { softBufferBytes: 1e6, hardBufferBytes: 2e6, maxProtocolErrors: 3, maxSubscriptions: 4, maxMessagesPerSecond: 1000 },
    metrics,
  );
  hub.onResult({ job: 'gender-per-second', windowStart: 1000, windowEnd: 2000, counts: { '0': 3 }, final: true, version: 7, emittedAt: 0 });
  const app = await buildGatewayApp({ config: parsed.config, logger: silentLogger(), registry, metrics, hub, consumerState: () => state });
  return app;
}

describe('gateway HTTP', () => {
  it('serves the snapshot of a job, and a clear 404 for an unknown one', async () => {
    const app = await build();
    const ok = await app.inject('/api/windows/gender-per-second');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ job: 'gender-per-second', windows: [expect.objectContaining({ version: 7, counts: { '0': 3 } })] });
    const missing = await app.inject('/api/windows/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'no results for job "nope"; known jobs: gender-per-second' });
    await app.close();
  });

  it('answers another method on a known path with 405 and Allow, an unknown path with 404', async () => {
    const app = await build();
    for (const url of ['/api/jobs', '/api/windows/gender-per-second', '/', '/healthz', '/vendor/uPlot.iife.min.js']) {
      const response = await app.inject({ method: 'POST', url, payload: {} });
      expect({ url, status: response.statusCode, allow: response.headers.allow }).toEqual({ url, status: 405, allow: 'GET, HEAD' });
    }
    expect((await app.inject({ method: 'DELETE', url: '/api/jobs' })).json()).toEqual({ error: 'DELETE is not allowed on /api/jobs; use GET' });
    expect((await app.inject({ method: 'POST', url: '/nowhere' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'HEAD', url: '/api/jobs' })).statusCode).toBe(200);
    await app.close();
  });

  it('serves the page and its chart library from the gateway itself (no CDN)', async () => {
    const app = await build();
    const page = await app.inject('/');
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Shoppers per gender per second');
    expect(page.body).not.toMatch(/https?:\/\//);
    const lib = await app.inject('/vendor/uPlot.iife.min.js');
    expect(lib.statusCode).toBe(200);
    expect(lib.body).toContain('uPlot');
    expect((await app.inject('/app.js')).statusCode).toBe(200);
    await app.close();
  });

  it('reports health and readiness from the consumer', async () => {
    const state = { running: true, caughtUp: false };
    const app = await build({}, state);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'reading results history' });
    state.caughtUp = true;
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    state.running = false;
    expect((await app.inject('/healthz')).statusCode).toBe(503);
    expect((await app.inject('/metrics')).body).toContain('streamtally_gateway_clients');
    await app.close();
  });

  it('compares tokens as whole secrets, whatever their lengths', () => {
    expect(sameSecret('sekret-token', 'sekret-token')).toBe(true);
    expect(sameSecret('sekret-tokeN', 'sekret-token')).toBe(false);
    expect(sameSecret('sekret', 'sekret-token')).toBe(false);
    expect(sameSecret('', 'sekret-token')).toBe(false);
    expect(sameSecret(undefined, 'sekret-token')).toBe(false);
  });

  it('with AUTH_TOKEN, the API needs the bearer token', async () => {
    const app = await build({ AUTH_TOKEN: 'sekret-token' });
    expect((await app.inject('/api/jobs')).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/jobs', headers: { authorization: 'Bearer sekret-token' } })).json()).toEqual({ jobs: ['gender-per-second'] });
    expect((await app.inject('/api/jobs?token=sekret-token')).statusCode).toBe(200);
    await app.close();
  });
});
