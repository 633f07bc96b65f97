import { Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '@streamtally/observability';
import { buildHttpApp } from '../../src/http/http-app';
import { sameSecret } from '../../src/http/access';
import { Hub } from '../../src/domain/hub';
import { WindowStore } from '../../src/domain/window-store';
import { createGatewayMetrics, hubMetricsOf } from '../../src/metrics';
import { parseGatewayConfig } from '../../src/config';

const TOKEN = 'sekret-token-'.repeat(3);
const NEXT_TOKEN = 'the-next-token-'.repeat(3);
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function build(settings: Record<string, string> = {}, state = { running: true, caughtUp: true }, shutdown = { draining: false }) {
  const parsed = parseGatewayConfig({ KAFKA_BROKERS: 'k:9092', ...settings });
  if (!parsed.ok) throw new Error(parsed.errors.join());
  const metrics = createGatewayMetrics(new Registry());
  const hub = new Hub<WebSocket>(
    new WindowStore(10),
    { softBufferBytes: 1e6, hardBufferBytes: 2e6, maxProtocolErrors: 3, maxSubscriptions: 4, maxMessagesPerSecond: 1000 },
    hubMetricsOf(metrics),
  );
  hub.onResult({ job: 'gender-per-second', windowStart: 1000, windowEnd: 2000, counts: { '0': 3 }, final: true, version: 7, emittedAt: 0 });
  const app = await buildHttpApp({
    config: parsed.config,
    logger: silentLogger(),
    metrics,
    hub,
    consumerState: () => state,
    draining: () => shutdown.draining,
  });
  apps.push(app);
  return { app, hub };
}

/** A request as a browser on the gateway's own page at localhost:8080 sends it. */
const browser = (url: string, extra: Record<string, string> = {}) => ({ url, headers: { host: 'localhost:8080', ...extra } });

describe('gateway HTTP', () => {
  it('serves the snapshot of a job, and a clear 404 for an unknown one', async () => {
    const { app } = await build();
    const ok = await app.inject(browser('/api/windows/gender-per-second'));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ job: 'gender-per-second', windows: [expect.objectContaining({ version: 7, counts: { '0': 3 } })] });
    const missing = await app.inject(browser('/api/windows/nope'));
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'no results for job "nope"; known jobs: gender-per-second' });
  });

  it('answers another method on a known path with 405 and Allow, an unknown path with 404', async () => {
    const { app } = await build();
    for (const url of ['/api/jobs', '/api/windows/gender-per-second', '/', '/healthz', '/livez', '/readyz', '/vendor/uPlot.iife.min.js']) {
      const response = await app.inject({ method: 'POST', ...browser(url), payload: {} });
      expect({ url, status: response.statusCode, allow: response.headers.allow }).toEqual({ url, status: 405, allow: 'GET, HEAD' });
    }
    expect((await app.inject({ method: 'DELETE', ...browser('/api/jobs') })).json()).toEqual({ error: 'DELETE is not allowed on /api/jobs; use GET' });
    expect((await app.inject({ method: 'POST', ...browser('/nowhere') })).statusCode).toBe(404);
    expect((await app.inject({ method: 'HEAD', ...browser('/api/jobs') })).statusCode).toBe(200);
  });

  it('serves the page and its chart library from the gateway itself (no CDN), and nothing else of the library', async () => {
    const { app } = await build();
    const page = await app.inject(browser('/'));
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Shoppers per gender per second');
    expect(page.body).not.toMatch(/https?:\/\//);
    const lib = await app.inject(browser('/vendor/uPlot.iife.min.js'));
    expect(lib.statusCode).toBe(200);
    expect(lib.body).toContain('uPlot');
    expect((await app.inject(browser('/app.js'))).statusCode).toBe(200);
    expect((await app.inject(browser('/vendor/uPlot.esm.js'))).statusCode).toBe(404);
  });

  it('reports liveness whatever the consumer does, readiness from the consumer and the shutdown, and never serves /metrics on the public port', async () => {
    const state = { running: true, caughtUp: false };
    const shutdown = { draining: false };
    const { app } = await build({}, state, shutdown);
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'reading results history', clients: 0 });
    expect((await app.inject('/healthz')).statusCode).toBe(503);
    state.caughtUp = true;
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    state.running = false;
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'consumer not running', clients: 0 });
    state.running = true;
    shutdown.draining = true;
    const draining = await app.inject('/readyz');
    expect([draining.statusCode, draining.json().status]).toEqual([503, 'draining: shutting down']);
    state.running = false;
    const live = await app.inject('/livez');
    expect([live.statusCode, live.json().status]).toEqual([200, 'alive']);
    expect((await app.inject(browser('/metrics'))).statusCode).toBe(404);
  });

  it('compares tokens as whole secrets, whatever their lengths', () => {
    expect(sameSecret('sekret-token', 'sekret-token')).toBe(true);
    expect(sameSecret('sekret-tokeN', 'sekret-token')).toBe(false);
    expect(sameSecret('sekret', 'sekret-token')).toBe(false);
    expect(sameSecret('', 'sekret-token')).toBe(false);
    expect(sameSecret(undefined, 'sekret-token')).toBe(false);
  });

  it('with AUTH_TOKEN, the API needs the bearer token, never one in the URL', async () => {
    const { app } = await build({ AUTH_TOKEN: TOKEN });
    expect((await app.inject(browser('/api/jobs'))).statusCode).toBe(401);
    expect((await app.inject(browser('/api/jobs', { authorization: `Bearer ${TOKEN}` }))).json()).toEqual({ jobs: [], withResults: ['gender-per-second'] });
    const inUrl = await app.inject(browser(`/api/jobs?token=${TOKEN}`));
    expect(inUrl.statusCode).toBe(401);
    expect(inUrl.json().error).toContain('a token is never taken from a URL');
  });

  it('trades the token for an HttpOnly, SameSite=Strict session cookie, which then opens the API; a forged one does not', async () => {
    const { app } = await build({ AUTH_TOKEN: TOKEN });
    expect((await app.inject({ method: 'POST', ...browser('/api/session', { authorization: 'Bearer wrong' }) })).statusCode).toBe(401);
    const session = await app.inject({ method: 'POST', ...browser('/api/session', { authorization: `Bearer ${TOKEN}` }) });
    expect(session.statusCode).toBe(204);
    const cookie = session.cookies.find((c) => c.name === 'streamtally_session')!;
    expect(cookie).toEqual(expect.objectContaining({ httpOnly: true, sameSite: 'Strict', path: '/' }));
    expect(cookie.value).not.toContain(TOKEN);
    const withCookie = await app.inject({ ...browser('/api/jobs'), cookies: { streamtally_session: cookie.value } });
    expect(withCookie.statusCode).toBe(200);
    const forged = await app.inject({ ...browser('/api/jobs'), cookies: { streamtally_session: `${Date.now() + 1e9}.forged` } });
    expect(forged.statusCode).toBe(401);
    const loggedOut = await app.inject({ method: 'DELETE', ...browser('/api/session') });
    expect(loggedOut.cookies.find((c) => c.name === 'streamtally_session')?.value).toBe('');
  });

  it('accepts several tokens during a rotation; a session of a token no longer listed ends', async () => {
    const { app: before } = await build({ AUTH_TOKEN: TOKEN });
    const old = (await before.inject({ method: 'POST', ...browser('/api/session', { authorization: `Bearer ${TOKEN}` }) })).cookies[0]!.value;
    const { app: during } = await build({ AUTH_TOKEN: `${NEXT_TOKEN},${TOKEN}` });
    expect((await during.inject(browser('/api/jobs', { authorization: `Bearer ${NEXT_TOKEN}` }))).statusCode).toBe(200);
    const renewed = await during.inject({ ...browser('/api/jobs'), cookies: { streamtally_session: old } });
    expect(renewed.statusCode).toBe(200);
    expect(renewed.cookies.find((c) => c.name === 'streamtally_session')).toBeDefined(); // signed again with the new token
    const { app: after } = await build({ AUTH_TOKEN: NEXT_TOKEN });
    expect((await after.inject({ ...browser('/api/jobs'), cookies: { streamtally_session: old } })).statusCode).toBe(401);
  });

  it('sets security headers on every reply: a strict CSP, nosniff, no framing, no referrer', async () => {
    const { app } = await build();
    for (const url of ['/', '/api/jobs', '/app.js', '/nowhere']) {
      const { headers } = await app.inject(browser(url));
      expect(headers['content-security-policy']).toBe(
        "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';object-src 'none';base-uri 'self';form-action 'self';frame-ancestors 'none'",
      );
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    }
  });

  it('answers only to the host names of ALLOWED_HOSTS (DNS rebinding), probes excepted', async () => {
    const { app } = await build({ ALLOWED_HOSTS: 'dash.example.com' });
    expect((await app.inject({ url: '/', headers: { host: 'dash.example.com:8080' } })).statusCode).toBe(200);
    const rebound = await app.inject({ url: '/api/jobs', headers: { host: 'attacker.example' } });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json()).toEqual({ error: 'this gateway does not answer to the host "attacker.example" (ALLOWED_HOSTS)' });
    expect((await app.inject({ url: '/healthz', headers: { host: '10.1.2.3:8080' } })).statusCode).toBe(200);
    const { app: defaults } = await build();
    expect((await defaults.inject({ url: '/', headers: { host: '[::1]:8080' } })).statusCode).toBe(200);
    expect((await defaults.inject({ url: '/', headers: { host: 'localhost.attacker.example' } })).statusCode).toBe(403);
  });

  it('refuses the API to another origin unless ALLOWED_ORIGINS lists it', async () => {
    const { app } = await build();
    expect((await app.inject(browser('/api/jobs', { origin: 'http://localhost:8080' }))).statusCode).toBe(200);
    expect((await app.inject(browser('/api/jobs', { origin: 'http://evil.example' }))).statusCode).toBe(403);
    expect((await app.inject(browser('/api/jobs', { origin: 'null' }))).statusCode).toBe(403);
    const { app: listed } = await build({ ALLOWED_ORIGINS: 'https://dash.example.com' });
    expect((await listed.inject(browser('/api/jobs', { origin: 'https://dash.example.com' }))).statusCode).toBe(200);
    const { app: any } = await build({ ALLOWED_ORIGINS: '*' });
    expect((await any.inject(browser('/api/jobs', { origin: 'http://evil.example' }))).statusCode).toBe(200);
  });

  it('a job named after an object property is just a name (a results topic anyone could write to)', async () => {
    const { app, hub } = await build();
    for (const job of ['__proto__', 'constructor', 'hasOwnProperty']) {
      hub.onResult({
        job,
        windowStart: 0,
        windowEnd: 1000,
        counts: JSON.parse('{"__proto__":5,"constructor":1}') as Record<string, number>,
        final: true,
        version: 13,
        emittedAt: 0,
      });
    }
    const jobs = (await app.inject(browser('/api/jobs'))).json().withResults;
    expect(jobs).toEqual(['__proto__', 'constructor', 'gender-per-second', 'hasOwnProperty']);
    const proto = (await app.inject(browser('/api/windows/__proto__'))).json();
    expect(proto).toEqual({ job: '__proto__', windows: [expect.objectContaining({ job: '__proto__', version: 13 })] });
    expect(({} as Record<string, unknown>).windowStart).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('version');
  });
});
