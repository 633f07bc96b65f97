import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeUserAction } from '@streamtally/contracts';
import type { Admin, Kafka } from '@streamtally/kafka-client';
import {
  AGGREGATOR_REDIS_ACL,
  freePort,
  type PrivateRedis,
  readTopic,
  type SecuredBroker,
  startPrivateRedis,
  startSecuredBroker,
  topicRecordCount,
  waitFor,
} from '@streamtally/test-support';
import { ComposeProject, ComposeStack, provisionPipeline, recount, runCommand, securedKafka } from '../../src';

// compose/external.yaml as a team runs it: only the three services, against their own Kafka and
// Redis — here a broker whose only client listener is SASL_SSL (SCRAM-SHA-512) with the
// authorizer on, the README's ACLs and provisioned topics, and a Redis that speaks TLS only,
// wants a client certificate and an ACL user — both started by this test on the host, reached
// from the containers at the Docker bridge's address. Every secret is a file in the secrets
// folder. The running total at the gateway must equal a recount of the input topic.
const enabled = process.env.STREAMTALLY_DOCKER_TESTS === '1';
const OURS = ['producer', 'aggregator', 'gateway'];

(enabled ? describe : describe.skip)('docker compose: compose/external.yaml, the services against a secured Kafka and Redis', () => {
  let broker: SecuredBroker;
  let redis: PrivateRedis;
  let admin: Admin;
  let adminKafka: Kafka;
  let project: ComposeProject;
  let stack: ComposeStack;
  let secrets: string;
  const run = `ext-${randomBytes(4).toString('hex')}`;
  const redisPassword = randomBytes(12).toString('hex');
  // a broker of its own: the default names (the shipped jobs read user-actions and text-lines)
  const names = Object.fromEntries(
    [
      'user-actions',
      'user-actions.dlq',
      'text-lines',
      'window-results',
      'late-events',
      'aggregator.dlq',
      'job-descriptions',
      'streamtally-aggregator',
      'streamtally-gateway-',
    ].map((n) => [n, n]),
  );

  beforeAll(async () => {
    const host = await bridgeGateway();
    expect(host).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    broker = await startSecuredBroker({ users: OURS, bind: '0.0.0.0', advertisedHost: host });
    redis = await startPrivateRedis({
      tls: broker.pki,
      users: { admin: randomBytes(12).toString('hex'), aggregator: redisPassword },
      userRule: AGGREGATOR_REDIS_ACL,
      bind: '0.0.0.0',
    });
    adminKafka = securedKafka(broker, 'admin');
    admin = adminKafka.admin();
    await admin.connect();
    await provisionPipeline(admin, names, OURS, 3);

    // the secrets folder: passwords, the CA, the aggregator's client certificate for Redis
    secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'streamtally-secrets-'));
    fs.chmodSync(secrets, 0o755);
    const put = (file: string, content: string | Buffer) => fs.writeFileSync(path.join(secrets, file), content, { mode: 0o644 });
    for (const user of OURS) put(`${user}-kafka-password`, `${broker.users[user]}\n`);
    put('redis-password', `${redisPassword}\n`);
    put('ca.pem', fs.readFileSync(broker.pki.ca));
    put('aggregator-redis.pem', fs.readFileSync(broker.pki.client('aggregator').cert));
    put('aggregator-redis.key', fs.readFileSync(broker.pki.client('aggregator').key));

    const gatewayPort = await freePort();
    const inSecrets = (file: string) => `/run/secrets/streamtally/${file}`;
    project = new ComposeProject(
      `streamtally-external-it-${randomBytes(4).toString('hex')}`,
      {
        STREAMTALLY_SECRETS_DIR: secrets,
        KAFKA_BROKERS: broker.saslSsl,
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SSL_CA_FILE: inSecrets('ca.pem'),
        ...Object.fromEntries(
          OURS.flatMap((user) => [
            [`${user.toUpperCase()}_KAFKA_SASL_USERNAME`, user],
            [`${user.toUpperCase()}_KAFKA_SASL_PASSWORD_FILE`, inSecrets(`${user}-kafka-password`)],
          ]),
        ),
        REDIS_URL: redis.url.replace('127.0.0.1', host),
        REDIS_USERNAME: 'aggregator',
        REDIS_PASSWORD_FILE: inSecrets('redis-password'),
        REDIS_TLS_CA_FILE: inSecrets('ca.pem'),
        REDIS_TLS_CERT_FILE: inSecrets('aggregator-redis.pem'),
        REDIS_TLS_KEY_FILE: inSecrets('aggregator-redis.key'),
        STATE_NAMESPACE: run,
        GATEWAY_PORT: String(gatewayPort),
        PRODUCER_RATE: '400',
        PRODUCER_LOOP: 'false',
      },
      ['compose/apps.yaml', 'compose/external.yaml'],
    );
    stack = new ComposeStack(project, gatewayPort);
  }, 240_000);

  afterAll(async () => {
    if (project && (await project.leftovers()).length > 0) await project.compose(['down', '--volumes', '--timeout', '5']);
    await admin?.disconnect();
    await Promise.all([broker?.close(), redis?.close()]);
    if (secrets) fs.rmSync(secrets, { recursive: true, force: true });
  }, 120_000);

  it('`up --wait` starts the three services healthy, and none restarted', async () => {
    await project.up(['--wait', ...OURS], { timeoutMs: 600_000 });
    // the producer replays a short file once (LOOP=false): on a slow machine it may be done by now
    const readStates = async () =>
      Promise.all(
        (await project.containers(true)).map(async (c) =>
          c.Service === 'producer' && c.State === 'exited'
            ? `producer exited ${(await project.inspect(c.Name)).State.ExitCode}`
            : `${c.Service} ${c.State} ${c.Health}`,
        ),
      );
    // a container that is finishing shows as running with no health for a moment (seen in CI): wait until it has exited
    const states = await waitFor(
      async () => {
        const now = await readStates();
        return now.some((state) => state.startsWith('producer running') && !state.endsWith(' healthy')) ? undefined : now;
      },
      { what: 'the producer healthy or finished', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(states.filter((s) => OURS.includes(s.split(' ')[0]!)).sort()).toEqual(
      OURS.map((s) => (s === 'producer' && states.includes('producer exited 0') ? 'producer exited 0' : `${s} running healthy`)).sort(),
    );
    expect(await project.restartCounts(OURS)).toEqual(OURS.map((service) => `${service} 0`));
  }, 660_000);

  it('the whole replay, counted: the running total at the gateway equals a recount of the input topic; no secret in any log', async () => {
    // the finished producer stays finished (LOOP=false): then the topic is complete
    await waitFor(async () => (await stack.service('producer'))?.State === 'exited', { timeoutMs: 120_000, intervalMs: 1000, what: 'the replay to finish' });
    expect((await stack.service('producer'))!.ExitCode).toBe(0);
    const events = await topicRecordCount(adminKafka, names['user-actions']!);
    const input = (await readTopic(adminKafka, names['user-actions']!, events)).map((r) => {
      const decoded = decodeUserAction(r.value);
      if (!decoded.ok) throw new Error(decoded.error);
      return decoded.value;
    });
    const expected = recount(input, [{ name: 'gender-running-total', field: 'gender' }]).get('gender-running-total@0')!;
    const total = await waitFor(
      async () => {
        const [window] = await stack.windows('gender-running-total');
        return window && Object.values(window.counts).reduce((a, b) => a + b, 0) === events && window;
      },
      { timeoutMs: 120_000, intervalMs: 1000, what: `a running total of ${events} at the gateway` },
    );
    expect(total.counts).toEqual(expected);
    const logs = (await project.mustCompose(['logs', '--no-color', ...OURS])).toString();
    expect(logs).toContain('"protocol":"SASL_SSL"');
    for (const secret of [...Object.values(broker.users), redisPassword]) expect(logs).not.toContain(secret);
  }, 300_000);

  it('`down --volumes` leaves nothing behind', async () => {
    await project.mustCompose(['down', '--volumes', '--timeout', '5'], { timeoutMs: 120_000 });
    expect(await project.leftovers()).toEqual([]);
  }, 180_000);
});

/**
 * The address containers reach the host by: the default bridge's gateway. Asked again for a
 * while (an engine started a moment ago may not report it yet), then read from the bridge's
 * own interface; a failure says what docker answered.
 */
async function bridgeGateway(): Promise<string> {
  let answer = '';
  const ipv4 = /^\d+\.\d+\.\d+\.\d+$/;
  const fromInspect = await waitFor(
    async () => {
      const bridge = await runCommand('docker', ['network', 'inspect', 'bridge', '-f', '{{range .IPAM.Config}}{{.Gateway}} {{end}}']);
      answer = `${bridge.stdout}${bridge.stderr}`.trim();
      return answer.split(' ').find((address) => ipv4.test(address));
    },
    { what: 'the bridge network to report its gateway', timeoutMs: 15_000 },
  ).catch(() => undefined);
  if (fromInspect) return fromInspect;
  const docker0 = await runCommand('ip', ['-4', '-o', 'addr', 'show', 'docker0']);
  const fromInterface = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(docker0.stdout)?.[1];
  if (fromInterface) return fromInterface;
  throw new Error(`no gateway for the default bridge: docker said "${answer}", ip said "${docker0.stdout}${docker0.stderr}"`);
}
