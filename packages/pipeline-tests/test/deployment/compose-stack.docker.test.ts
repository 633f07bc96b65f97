import { randomBytes } from 'node:crypto';
import { decodeUserAction, decodeWindowResult, UserActionEvent } from '@streamtally/contracts';
import { freePort, waitFor } from '@streamtally/test-support';
import { ComposeProject, LatestResults, recount, RecountJob } from '../../src';

// `docker compose up` for real: the images built from services/Dockerfile, the whole stack
// (Grafana aside: no image of it exists on our machines) started on a real engine, and
// checked from the host as an operator would. Runs when scripts/test could start an engine
// (STREAMTALLY_DOCKER_TESTS=1); the steps share one project and run in order.
const enabled = process.env.STREAMTALLY_DOCKER_TESTS === '1';
const SERVICES = ['kafka', 'redis', 'producer', 'aggregator', 'gateway', 'prometheus'];
const OURS = ['producer', 'aggregator', 'gateway'];
const RECOUNT: RecountJob[] = [
  { name: 'gender-per-second', field: 'gender', sizeMs: 1000 },
  { name: 'actions-per-second', field: 'action', sizeMs: 1000 },
  { name: 'purchases-by-gender-10s', field: 'gender', sizeMs: 10_000, filter: (e) => e.action === 2 },
  { name: 'gender-running-total', field: 'gender' },
];

(enabled ? describe : describe.skip)('docker compose: the whole stack on a real engine', () => {
  let project: ComposeProject;
  let gatewayPort: number;
  let prometheusPort: number;
  const gateway = (path: string) => fetch(`http://127.0.0.1:${gatewayPort}${path}`);

  beforeAll(async () => {
    [gatewayPort, prometheusPort] = [await freePort(), await freePort()];
    project = new ComposeProject(`streamtally-it-${randomBytes(4).toString('hex')}`, {
      GRAFANA_ADMIN_PASSWORD: randomBytes(16).toString('hex'),
      GATEWAY_PORT: String(gatewayPort),
      PROMETHEUS_PORT: String(prometheusPort),
      PRODUCER_RATE: '200',
    });
  });

  afterAll(async () => {
    if (!project) return;
    if ((await project.leftovers()).length > 0) await project.compose(['down', '--volumes', '--timeout', '5']);
  });

  const up = (extra: string[] = []) => project.mustCompose(['up', '--detach', '--wait', ...extra, ...SERVICES], { timeoutMs: 240_000 });

  /** Every window of the results topic (highest version per key), read inside the kafka container. */
  async function resultsTopic(): Promise<LatestResults> {
    const latest = new LatestResults();
    for (const line of await consume('window-results', true)) {
      const tab = line.indexOf('\t');
      const decoded = decodeWindowResult(line.slice(tab + 1));
      if (!decoded.ok) throw new Error(`results topic: ${decoded.error}: ${line}`);
      latest.offer(line.slice(0, tab), decoded.value);
    }
    return latest;
  }

  async function inputEvents(): Promise<UserActionEvent[]> {
    const offsets = await project.mustCompose([
      'exec',
      '-T',
      'kafka',
      '/opt/kafka/bin/kafka-get-offsets.sh',
      '--bootstrap-server',
      'localhost:9092',
      '--topic',
      'user-actions',
    ]);
    const total = offsets
      .trim()
      .split('\n')
      .reduce((sum, line) => sum + Number(line.split(':')[2]), 0);
    const events = (await consume('user-actions', false)).map((line) => {
      const decoded = decodeUserAction(line);
      if (!decoded.ok) throw new Error(`input topic: ${decoded.error}: ${line}`);
      return decoded.value;
    });
    expect(events).toHaveLength(total); // the read saw the whole topic
    return events;
  }

  async function consume(topic: string, withKeys: boolean): Promise<string[]> {
    const keys = withKeys ? ['--property', 'print.key=true', '--property', 'key.separator=\t'] : [];
    const out = await project.mustCompose([
      'exec',
      '-T',
      'kafka',
      '/opt/kafka/bin/kafka-console-consumer.sh',
      '--bootstrap-server',
      'localhost:9092',
      '--topic',
      topic,
      '--from-beginning',
      '--timeout-ms',
      '5000',
      ...keys,
    ]);
    return out.split('\n').filter(Boolean);
  }

  async function windows(job: string): Promise<{ windowStart: number; counts: Record<string, number>; final: boolean; version: number }[]> {
    const response = await gateway(`/api/windows/${job}`);
    if (!response.ok) return [];
    return ((await response.json()) as { windows: [] }).windows;
  }

  it('builds the three service images from services/Dockerfile, each run by the node user', async () => {
    await project.mustCompose(['build', ...OURS], { timeoutMs: 600_000 });
    for (const service of OURS) {
      const image = await project.inspect(`streamtally/${service}:latest`);
      expect({ service, user: image.Config.User }).toEqual({ service, user: 'node' });
    }
  }, 600_000);

  it('`up --wait` starts every service healthy', async () => {
    await up();
    const states = await project.containers();
    expect(states.map((c) => `${c.Service} ${c.State} ${c.Health}`).sort()).toEqual(SERVICES.map((s) => `${s} running healthy`).sort());
  }, 300_000);

  it('events replayed by the producer container reach the gateway on its published port', async () => {
    const final = await waitFor(async () => (await windows('gender-per-second')).filter((w) => w.final && Object.keys(w.counts).length > 0), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'final gender-per-second windows at the gateway',
    });
    expect(final.length).toBeGreaterThan(0);
    const page = await gateway('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  }, 90_000);

  it('Prometheus scrapes every service', async () => {
    const jobs = await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/targets`);
        const body = (await response.json()) as { data: { activeTargets: { labels: { job: string }; health: string }[] } };
        const healthy = new Set(body.data.activeTargets.filter((t) => t.health === 'up').map((t) => t.labels.job));
        return ['producer', 'aggregator', 'gateway', 'prometheus'].every((job) => healthy.has(job)) && [...healthy].sort();
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'every Prometheus target up' },
    );
    expect(jobs).toEqual(['aggregator', 'gateway', 'producer', 'prometheus']);
  }, 90_000);

  it('runs hardened: read-only roots, no capabilities, no new privileges, memory limits, loopback-only ports', async () => {
    for (const container of await project.containers()) {
      const info = await project.inspect(container.Name);
      const host = info.HostConfig;
      expect({
        service: container.Service,
        capDrop: host.CapDrop,
        noNewPrivileges: host.SecurityOpt?.includes('no-new-privileges:true'),
        limited: host.Memory > 0,
      }).toEqual({ service: container.Service, capDrop: ['ALL'], noNewPrivileges: true, limited: true });
      if (OURS.includes(container.Service))
        expect({ service: container.Service, readOnly: host.ReadonlyRootfs }).toEqual({ service: container.Service, readOnly: true });
      for (const bindings of Object.values(host.PortBindings ?? {})) {
        for (const binding of bindings)
          expect({ service: container.Service, hostIp: binding.HostIp }).toEqual({ service: container.Service, hostIp: '127.0.0.1' });
      }
    }
  }, 60_000);

  it('scales the aggregator to three instances, all healthy', async () => {
    await up(['--scale', 'aggregator=3']);
    const aggregators = (await project.containers()).filter((c) => c.Service === 'aggregator');
    expect(aggregators.map((c) => c.Health)).toEqual(['healthy', 'healthy', 'healthy']);
  }, 300_000);

  it('`restart aggregator` and `down` then `up` (volumes kept): topics, offsets and results survive', async () => {
    await project.mustCompose(['restart', 'aggregator'], { timeoutMs: 120_000 });
    await up(['--scale', 'aggregator=3']);
    const before = (await windows('gender-per-second')).filter((w) => w.final).at(-1)!;
    expect(before).toBeDefined();
    await project.mustCompose(['down', '--timeout', '20'], { timeoutMs: 120_000 });
    expect(await project.containers(true)).toEqual([]);
    await up();
    const after = await waitFor(async () => (await windows('gender-per-second')).find((w) => w.windowStart === before.windowStart), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: `the window at ${before.windowStart} back at the gateway`,
    });
    expect({ counts: after.counts, version: after.version }).toEqual({ counts: before.counts, version: before.version });
  }, 600_000);

  it('a finished replay stays finished (LOOP=false), and every window equals a recount of the input topic', async () => {
    // the producer is recreated with a finite replay: the input stops, so every window closes
    await project.mustCompose(['up', '--detach', 'producer'], { env: { PRODUCER_LOOP: 'false', PRODUCER_PACE: 'max' } });
    const exited = await waitFor(
      async () => {
        const producer = (await project.containers(true)).find((c) => c.Service === 'producer');
        return producer?.State === 'exited' && producer;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the finite replay to finish' },
    );
    expect(exited.ExitCode).toBe(0);

    const events = await inputEvents();
    const expected = recount(events, RECOUNT);
    // the gateway says cheaply when the last second and the running total are final and
    // complete; then the results topic is read (a JVM tool in the container: slow) to compare
    const lastSecond = Math.max(...events.map((e) => e.ts - (e.ts % 1000)));
    await waitFor(
      async () => {
        const [seconds, totals] = await Promise.all([windows('gender-per-second'), windows('gender-running-total')]);
        const total = totals.at(-1) ? Object.values(totals.at(-1)!.counts).reduce((a, b) => a + b, 0) : 0;
        return seconds.some((w) => w.windowStart === lastSecond && w.final) && total === events.length;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `the window at ${lastSecond} final and a running total of ${events.length} at the gateway` },
    );
    const latest = await waitFor(
      async () => {
        const results = await resultsTopic();
        return results.complete(expected) && results;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'every window final on the results topic' },
    ).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${(await resultsTopic()).describeGaps(expected)}`);
    });
    // every window of these jobs on the topic, not only the expected ones: an extra window is a defect too
    const got = new Map([...latest.counts()].filter(([key]) => RECOUNT.some((job) => key.startsWith(`${job.name}@`))));
    expect(got).toEqual(expected);
    expect(expected.size).toBeGreaterThan(20);

    const producer = await project.inspect((await project.containers(true)).find((c) => c.Service === 'producer')!.Name);
    expect({ status: producer.State.Status, restarts: producer.RestartCount, policy: producer.HostConfig.RestartPolicy.Name }).toEqual({
      status: 'exited',
      restarts: 0,
      policy: 'on-failure',
    });
  }, 300_000);

  it('`down --volumes` leaves no container, network or volume', async () => {
    await project.mustCompose(['down', '--volumes', '--timeout', '20'], { timeoutMs: 120_000 });
    expect(await project.leftovers()).toEqual([]);
  }, 180_000);
});
