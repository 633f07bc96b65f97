import { Counter } from 'prom-client';
import { Writable } from 'node:stream';
import { createLogger, createRegistry, startOpsServer } from '../src';

describe('ops server', () => {
  it('serves the registry on /metrics, readiness on /readyz and /healthz (200 or 503), liveness on /livez whatever readiness says', async () => {
    const registry = createRegistry('test-service', { processMetrics: false });
    new Counter({ name: 'things_total', help: 'things', registers: [registry] }).inc(3);
    let healthy = true;
    let asked = 0;
    const health = () => {
      asked += 1;
      return { healthy, details: { why: 'because' } };
    };
    const server = await startOpsServer({ registry, host: '127.0.0.1', port: 0, health });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const metrics = await fetch(`${base}/metrics`);
      expect(await metrics.text()).toContain('things_total{service="test-service"} 3');
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      healthy = false;
      for (const probe of ['/readyz', '/healthz']) {
        const sick = await fetch(`${base}${probe}`);
        expect(sick.status).toBe(503);
        expect(await sick.json()).toEqual({ status: 'not ready', why: 'because' });
      }
      const seen = asked;
      const live = await fetch(`${base}/livez`);
      expect(live.status).toBe(200); // not ready, but alive: no orchestrator should restart it
      expect(await live.json()).toMatchObject({ status: 'alive' });
      expect(asked).toBe(seen); // liveness never asks what readiness asks (Kafka, Redis)
      const missing = await fetch(`${base}/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'no route /nope; try /metrics, /livez or /readyz' });
    } finally {
      await server.close();
      await server.close(); // safe twice
    }
  });

  it('serves only the metrics named by name[] (a name it has not left out), the whole registry without one', async () => {
    const registry = createRegistry('test-service', { processMetrics: false });
    new Counter({ name: 'things_total', help: 'things', registers: [registry] }).inc(3);
    new Counter({ name: 'others_total', help: 'others', labelNames: ['kind'], registers: [registry] }).inc({ kind: 'a' }, 2);
    new Counter({ name: 'unasked_total', help: 'unasked', registers: [registry] }).inc(1);
    const server = await startOpsServer({ registry, host: '127.0.0.1', port: 0, health: () => ({ healthy: true, details: {} }) });
    try {
      const base = `http://127.0.0.1:${server.port}/metrics`;
      const named = await (await fetch(`${base}?name[]=others_total&name[]=nothing_total&name%5B%5D=things_total`)).text();
      expect(named).toBe(
        [
          '# HELP others_total others',
          '# TYPE others_total counter',
          'others_total{kind="a",service="test-service"} 2',
          '',
          '# HELP things_total things',
          '# TYPE things_total counter',
          'things_total{service="test-service"} 3',
          '',
        ].join('\n'),
      );
      expect(await (await fetch(`${base}?name[]=nothing_total`)).text()).toBe('');
      expect(await (await fetch(`${base}?other=1`)).text()).toContain('unasked_total{service="test-service"} 1');
    } finally {
      await server.close();
    }
  });
});

describe('logger', () => {
  it('writes one JSON object per line with the service name and a level label', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ service: 'svc', level: 'info', destination });
    logger.child({ component: 'part' }).info({ n: 1 }, 'hello');
    logger.debug('hidden');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', service: 'svc', component: 'part', n: 1, msg: 'hello' });
  });
});
