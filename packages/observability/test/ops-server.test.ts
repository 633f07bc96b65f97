import { Counter } from 'prom-client';
import { Writable } from 'node:stream';
import { createLogger, createRegistry, startOpsServer } from '../src';

describe('ops server', () => {
  it('serves the registry on /metrics and the health report on /healthz (200 or 503)', async () => {
    const registry = createRegistry('test-service', { processMetrics: false });
    new Counter({ name: 'things_total', help: 'things', registers: [registry] }).inc(3);
    let healthy = true;
    const server = await startOpsServer({ registry, host: '127.0.0.1', port: 0, health: () => ({ healthy, details: { why: 'because' } }) });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const metrics = await fetch(`${base}/metrics`);
      expect(await metrics.text()).toContain('things_total{service="test-service"} 3');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      healthy = false;
      const sick = await fetch(`${base}/healthz`);
      expect(sick.status).toBe(503);
      expect(await sick.json()).toEqual({ status: 'unhealthy', why: 'because' });
      const missing = await fetch(`${base}/nope`);
      expect(missing.status).toBe(404);
    } finally {
      await server.close();
      await server.close(); // safe twice
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
