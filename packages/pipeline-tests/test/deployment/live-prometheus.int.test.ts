import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { freePort, REPO_ROOT, testBrokers, testRedisUrl, uniqueName, waitFor } from '@streamtally/test-support';
import { runService, ServiceProcess, startService } from '../../src';

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
}
const panels: { dashboard: string; panel: Panel }[] = ['operations.json', 'business.json'].flatMap((name) =>
  (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'grafana/dashboards', name), 'utf8')).panels as Panel[]).map((panel) => ({ dashboard: name, panel })),
);
const alerts: { alert: string; expr: string }[] = parse(fs.readFileSync(path.join(REPO_ROOT, 'compose/prometheus/alerts.yml'), 'utf8')).groups[0].rules;

// The pipeline runs as local processes and a real Prometheus (Debian's) scrapes it with the
// compose scrape config (DNS discovery swapped for localhost targets).
describe('dashboards and alerts against a real Prometheus scraping the running pipeline', () => {
  const processes: ServiceProcess[] = [];
  let prometheus: ChildProcess | undefined;
  let prometheusUrl = '';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-prometheus-'));

  beforeAll(async () => {
    const run = uniqueName('live');
    const file = path.join(dir, 'user_log.csv');
    expect(runService('producer', {}, ['generate', '--rows', '5000', '--out', file, '--seed', '3']).status).toBe(0);
    const [producerPort, aggregatorPort, gatewayPort, gatewayMetricsPort, prometheusPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const topics = { INPUT_TOPIC: `${run}-actions`, RESULTS_TOPIC: `${run}-results` };
    const brokers = testBrokers().join(',');
    // the default job names with short windows, so finals (and their metrics) come within seconds
    const jobs = [
      { name: 'gender-per-second', key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 } },
      { name: 'actions-per-second', key: { field: 'action' }, window: { type: 'tumbling', sizeMs: 1000 } },
      { name: 'provinces-60s', key: { field: 'province' }, window: { type: 'hopping', sizeMs: 2000, slideMs: 1000 } },
    ].map((j) => ({ ...j, source: topics.INPUT_TOPIC, allowedLatenessMs: 200, emitEveryMs: 200 }));
    processes.push(
      startService('aggregator', {
        KAFKA_BROKERS: brokers,
        REDIS_URL: testRedisUrl(),
        ...topics,
        JOBS: JSON.stringify(jobs),
        STATE_NAMESPACE: run,
        CONSUMER_GROUP: `${run}-group`,
        LATE_EVENTS_TOPIC: `${run}-late`,
        DEAD_LETTER_TOPIC: `${run}-dlq`,
        IDLE_TIMEOUT_MS: '1000',
        METRICS_PORT: String(aggregatorPort),
        METRICS_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      }),
    );
    // as compose runs it: /metrics on a port of its own
    processes.push(
      startService('gateway', {
        KAFKA_BROKERS: brokers,
        RESULTS_TOPIC: topics.RESULTS_TOPIC,
        HOST: '127.0.0.1',
        PORT: String(gatewayPort),
        METRICS_PORT: String(gatewayMetricsPort),
        METRICS_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      }),
    );
    processes.push(
      startService('producer', {
        KAFKA_BROKERS: brokers,
        INPUT_FILE: file,
        INPUT_TOPIC: topics.INPUT_TOPIC,
        DEAD_LETTER_TOPIC: `${run}-actions.dlq`,
        PACE: 'fixed',
        RATE: '200',
        LOOP: 'true',
        METRICS_PORT: String(producerPort),
        METRICS_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      }),
    );
    const config = execFileSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'scripts/lib/prometheus-local.mjs'),
        path.join(dir, 'prometheus'),
        `producer=127.0.0.1:${producerPort}`,
        `aggregator=127.0.0.1:${aggregatorPort}`,
        `gateway=127.0.0.1:${gatewayMetricsPort}`,
      ],
      { encoding: 'utf8' },
    ).trim();
    // scrape every second so rate() has samples within the test
    fs.writeFileSync(
      config,
      fs
        .readFileSync(config, 'utf8')
        .replace(/scrape_interval: 5s/, 'scrape_interval: 1s')
        .replace(/evaluation_interval: 5s/, 'evaluation_interval: 1s'),
    );
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    prometheus = spawn(
      'prometheus',
      [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`],
      { stdio: 'ignore' },
    );
    await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, { what: 'Prometheus ready', timeoutMs: 30_000 });
  }, 120_000);

  afterAll(async () => {
    prometheus?.kill();
    await Promise.all(processes.map((p) => p.kill()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function query(expr: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
    return (await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json() as never;
  }

  it('every service is scraped', async () => {
    await waitFor(
      async () => {
        const up = (await query('sum by (job) (up{job=~"producer|aggregator|gateway"})')).data?.result as { value: [number, string] }[] | undefined;
        return up?.length === 3 && up.every((r) => r.value[1] === '1');
      },
      { what: 'producer, aggregator and gateway up', timeoutMs: 60_000 },
    );
  });

  it('every alert rule expression parses', async () => {
    for (const rule of alerts) expect({ alert: rule.alert, ...(await query(rule.expr)) }).toMatchObject({ alert: rule.alert, status: 'success' });
  });

  it('every panel query of both dashboards parses and returns data', async () => {
    const empty = async () => {
      const missing: string[] = [];
      for (const { dashboard, panel } of panels) {
        for (const target of panel.targets ?? []) {
          // the job variable as Grafana sends it with "All" chosen
          const answer = await query(target.expr.replaceAll('$aggregation', '.*'));
          if (answer.status !== 'success') throw new Error(`${dashboard} "${panel.title}": ${answer.error}`);
          if ((answer.data?.result.length ?? 0) === 0) missing.push(`${dashboard} "${panel.title}": ${target.expr}`);
        }
      }
      return missing;
    };
    let missing: string[] = [];
    await waitFor(async () => (missing = await empty()).length === 0, { what: 'data for every panel', timeoutMs: 90_000 }).catch(() => undefined);
    expect(missing).toEqual([]);
  }, 120_000);
});
