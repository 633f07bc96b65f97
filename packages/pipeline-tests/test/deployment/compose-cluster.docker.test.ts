import { randomBytes } from 'node:crypto';
import { freePort, waitFor } from '@streamtally/test-support';
import { ComposeProject, ComposeStack, runCommand } from '../../src';

// compose/cluster.yaml for real: three brokers, Redis with two replicas and three Sentinels,
// the services pointed at both. A broker leading input partitions and the Redis primary are
// killed at once mid-replay; results keep coming while both are down, the old primary comes
// back as a replica, and the windows equal a recount of the input. Runs where scripts/test could
// start an engine (STREAMTALLY_DOCKER_TESTS=1); `up` builds the service images if still missing.
const enabled = process.env.STREAMTALLY_DOCKER_TESTS === '1';
const SERVICES = ['kafka', 'kafka-2', 'kafka-3', 'redis', 'redis-replica-1', 'redis-replica-2', 'sentinel-1', 'sentinel-2', 'sentinel-3'];
const OURS = ['producer', 'aggregator', 'gateway'];

(enabled ? describe : describe.skip)('docker compose: compose/cluster.yaml, replicated Kafka and Redis with Sentinel', () => {
  let project: ComposeProject;
  let stack: ComposeStack;

  beforeAll(async () => {
    const gatewayPort = await freePort();
    project = new ComposeProject(
      `streamtally-cluster-it-${randomBytes(4).toString('hex')}`,
      {
        GRAFANA_ADMIN_PASSWORD: randomBytes(16).toString('hex'),
        REDIS_PASSWORD: randomBytes(16).toString('hex'),
        GATEWAY_PORT: String(gatewayPort),
        PROMETHEUS_PORT: String(await freePort()),
        GRAFANA_PORT: String(await freePort()),
        PRODUCER_RATE: '200',
      },
      'compose/cluster.yaml',
    );
    // a broker other than `kafka` answers the tools while `kafka` itself may be the one killed
    stack = new ComposeStack(project, gatewayPort, 'kafka-3');
  });

  afterAll(async () => {
    if (project && (await project.leftovers()).length > 0) await project.compose(['down', '--volumes', '--timeout', '5']);
  });

  const sentinelPrimary = async () =>
    (await project.mustCompose(['exec', '-T', 'sentinel-1', 'redis-cli', '-p', '26379', 'sentinel', 'get-master-addr-by-name', 'streamtally'])).split('\n')[0]!;
  const containerOf = async (service: string) => (await stack.service(service))!.Name;

  const upAndWait = (timeoutMs: number) => project.up(['--wait', ...SERVICES, ...OURS], { timeoutMs });

  it('`up --wait` starts three brokers, Redis with two replicas and three Sentinels, and the services, all healthy', async () => {
    // built from this checkout (an image left by an older one would otherwise be used as is)
    await project.up(['--build', '--wait', ...SERVICES, ...OURS], { timeoutMs: 600_000 });
    const states = await project.containers();
    expect(states.map((c) => `${c.Service} ${c.State} ${c.Health}`).sort()).toEqual([...SERVICES, ...OURS].map((s) => `${s} running healthy`).sort());
    expect(await sentinelPrimary()).toBe('redis');
    // none crashed on its way up (topics just created are unknown to some brokers for a moment)
    expect(await project.restartCounts(OURS)).toEqual(OURS.map((service) => `${service} 0`));
  }, 660_000);

  it('creates the topics with three replicas and min.insync.replicas=2', async () => {
    const description = await waitFor(
      async () => {
        const out = await stack.kafkaTool('kafka-topics.sh', ['--describe', '--topic', 'user-actions,window-results']);
        return out.split('\n').filter((line) => line.startsWith('Topic:')).length === 2 && out;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'the input and results topics' },
    );
    const summaries = description.split('\n').filter((line) => line.startsWith('Topic:'));
    for (const line of summaries) expect(line).toMatch(/ReplicationFactor: 3\s+Configs:.*min\.insync\.replicas=2/);
    const partitions = description.split('\n').filter((line) => line.includes('Partition:'));
    expect(partitions.length).toBeGreaterThan(0);
    for (const line of partitions) expect(line).toMatch(/Isr: \d,\d,\d/);
  }, 90_000);

  it('keeps emitting while a broker leading input partitions and the Redis primary are both down, then takes both back', async () => {
    await waitFor(async () => (await stack.windows('gender-per-second')).some((w) => w.final), {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'final windows at the gateway',
    });
    const partitionZero = (await stack.kafkaTool('kafka-topics.sh', ['--describe', '--topic', 'user-actions']))
      .split('\n')
      .find((l) => l.includes('Partition: 0'))!;
    const leader = Number(/Leader: (\d)/.exec(partitionZero)![1]);
    const broker = leader === 1 ? 'kafka' : `kafka-${leader}`;
    // the tools run in kafka-3: kill another broker if it leads, so the checks keep a door in
    const victim = broker === 'kafka-3' ? 'kafka-2' : broker;
    const killedAt = Date.now();
    const kill = await runCommand('docker', ['kill', await containerOf(victim), await containerOf('redis')]);
    expect(kill.code).toBe(0);

    // a new primary, and windows emitted after the kills: replicated state (REDIS_MIN_REPLICAS=1
    // is met by the remaining replica) and two of three brokers (min.insync.replicas=2)
    // down after 5 s, and a lost leader election is tried again 20 s later (failover-timeout 10 s)
    const promoted = await waitFor(async () => (await sentinelPrimary().catch(() => 'redis')) !== 'redis' && sentinelPrimary(), {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'Sentinel promoting a replica',
    }).catch(async (err: Error) => {
      // what the Sentinels saw (votes, elections, replicas they found) says why none was promoted
      const logs = (await project.compose(['logs', '--no-color', '--tail', '60', 'sentinel-1', 'sentinel-2', 'sentinel-3'])).stdout;
      throw new Error(`${err.message}\n${logs.slice(-12_000)}`);
    });
    expect(promoted).toMatch(/^redis-replica-[12]$/);
    const emittedWhileDown = await waitFor(async () => (await stack.windows('gender-per-second')).find((w) => w.final && w.emittedAt > killedAt + 12_000), {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'a window emitted 12 s after the kills (Sentinel waits 5 s), with both still down',
    });
    expect(emittedWhileDown.emittedAt).toBeGreaterThan(killedAt);

    // `docker kill` counts as stopped by hand: the restart policy leaves it; the operator starts it
    const restart = await runCommand('docker', ['start', await containerOf(victim), await containerOf('redis')]);
    expect(restart.code).toBe(0);
    await upAndWait(240_000);
    const role = await waitFor(
      async () => {
        const info = await project.mustCompose(['exec', '-T', 'redis', 'sh', '-c', 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli info replication']);
        return info.includes('role:slave') && /master_host:(\S+)/.exec(info)![1];
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the old primary back as a replica' },
    );
    expect(role).toBe(promoted);
  }, 420_000);

  it('every window equals a recount of the input topic after the faults', async () => {
    const { got, expected, producer } = await stack.finishReplayAndRecount();
    expect(producer.ExitCode).toBe(0);
    expect(got).toEqual(expected);
    expect(expected.size).toBeGreaterThan(20);
  }, 300_000);

  it('`down --volumes` leaves no container, network or volume', async () => {
    await project.mustCompose(['down', '--volumes', '--timeout', '5'], { timeoutMs: 120_000 });
    expect(await project.leftovers()).toEqual([]);
  }, 180_000);
});
