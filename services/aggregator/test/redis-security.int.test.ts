import type { UserActionEvent } from '@streamtally/contracts';
import { silentLogger } from '@streamtally/observability';
import {
  AGGREGATOR_REDIS_ACL,
  makeTestPki,
  type PrivateRedis,
  type PrivateSentinelRedis,
  startPrivateRedis,
  startPrivateSentinelRedis,
  type TestPki,
  uniqueName,
  waitFor,
} from '@streamtally/test-support';
import { connectRedis, RedisStartupError } from '../src/adapters/redis-connection';
import { redisTargetOf } from '../src/adapters/redis-target';
import { parseAggregatorConfig } from '../src/config';
import { type AggregatorHarness, eventsIn, startAggregator } from './support/aggregator-harness';
import { userAction } from './support/events';

const event = (ts: number, line: number) => userAction({ ts, gender: (line % 3) as UserActionEvent['gender'], line });
const PASSWORD = `agg-${uniqueName('pw').slice(-12)}`;
const SENTINEL_PASSWORD = `sentinel-${uniqueName('pw').slice(-12)}`;

// Redis as a team runs it: TLS only, client certificates required, an ACL user (the default
// user off); and behind Sentinel with the same, the Sentinels wanting a user of their own.
// The aggregator counts exactly on both (through a failover on the second), and every
// mistake in its settings is one line naming the setting, without the password.
describe('a secured Redis: TLS, client certificates, ACL users, Sentinel', () => {
  let pki: TestPki;
  let tlsRedis: PrivateRedis;
  let plainRedis: PrivateRedis;
  let sentinels: PrivateSentinelRedis;
  let harness: AggregatorHarness | undefined;

  beforeAll(async () => {
    pki = makeTestPki(['aggregator']);
    [tlsRedis, plainRedis, sentinels] = await Promise.all([
      // the aggregator's user holds the README's least-privilege ACL, no more
      startPrivateRedis({ tls: pki, users: { admin: uniqueName('admin'), aggregator: PASSWORD }, userRule: AGGREGATOR_REDIS_ACL }),
      startPrivateRedis(),
      // the first user replicates and the Sentinels reach the servers and each other with it
      startPrivateSentinelRedis({
        tls: pki,
        users: { replicator: uniqueName('replicator'), aggregator: PASSWORD, sentinel: SENTINEL_PASSWORD },
        userRule: AGGREGATOR_REDIS_ACL,
      }),
    ]);
  }, 90_000);
  afterEach(async () => {
    await harness?.close().catch(() => undefined);
    harness = undefined;
  });
  afterAll(async () => {
    await Promise.all([tlsRedis?.close(), plainRedis?.close(), sentinels?.close()]);
    pki?.close();
  }, 60_000);

  const client = () => pki.client('aggregator');
  const tlsSettings = () => ({ REDIS_TLS_CA_FILE: pki.ca, REDIS_TLS_CERT_FILE: client().cert, REDIS_TLS_KEY_FILE: client().key });
  const secured = () => ({ REDIS_URL: tlsRedis.url, REDIS_USERNAME: 'aggregator', REDIS_PASSWORD: PASSWORD, ...tlsSettings() });
  const viaSentinels = () => ({
    REDIS_SENTINELS: sentinels.sentinels.join(','),
    REDIS_MASTER_NAME: sentinels.masterName,
    REDIS_TLS: 'true',
    REDIS_USERNAME: 'aggregator',
    REDIS_PASSWORD: PASSWORD,
    REDIS_SENTINEL_USERNAME: 'sentinel',
    REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
    REDIS_REPLICA_TIMEOUT_MS: '500',
    // a connection that hangs through the failover is dropped well within the test's waits
    REDIS_SOCKET_TIMEOUT_MS: '3000',
    ...tlsSettings(),
  });

  const rounds = (r: number) => Array.from({ length: 300 }, (_, i) => ({ partition: i % 2, value: event(1_700_000_000_000 + r * 300 + i, r * 300 + i + 1) }));
  const expectedCounts = (events: number) => {
    const counts: Record<string, number> = {};
    for (let line = 1; line <= events; line += 1) counts[line % 3] = (counts[line % 3] ?? 0) + 1;
    return counts;
  };

  it('TLS with a client certificate and an ACL user: every event counted once', async () => {
    const source = uniqueName('actions');
    harness = await startAggregator([{ name: 'g', source, key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 50 }], secured());
    const h = harness;
    await h.write(source, [...rounds(0), ...rounds(1)]);
    const total = await waitFor(() => (eventsIn(h.latestResults().get('g@0')) === 600 ? h.latestResults().get('g@0') : undefined), {
      what: '600 counted',
      timeoutMs: 30_000,
    });
    expect(total.counts).toEqual(expectedCounts(600));
  }, 60_000);

  // the catch-up and emitter threads connect by themselves, from the same settings: through each secured way
  it.each([
    ['TLS with a client certificate and an ACL user', () => secured()],
    ['Sentinel with auth and TLS everywhere (the thread finds the primary through the Sentinels)', () => viaSentinels()],
  ])(
    '%s: a job added later backfills on its own thread, and counts every event once (its results written from another)',
    async (_, settings) => {
      const source = uniqueName('actions');
      const job = (name: string) => ({ name, source, key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 50 });
      harness = await startAggregator([job('g')], settings(), { catchUpThread: true, emitterThread: true });
      const h = harness;
      await h.write(source, rounds(0));
      await waitFor(() => eventsIn(h.latestResults().get('g@0')) === 300, { what: 'round 0 counted', timeoutMs: 30_000 });
      // the added job is behind the live read: the catch-up thread counts round 0 for it
      await h.restart([job('g'), job('added')]);
      await h.write(source, rounds(1));
      const added = await waitFor(() => (eventsIn(h.latestResults().get('added@0')) === 600 ? h.latestResults().get('added@0') : undefined), {
        what: 'the added job counting both rounds',
        timeoutMs: 30_000,
      });
      expect(added.counts).toEqual(expectedCounts(600));
      // the live reader skips a job behind it: only the catch-up thread can have counted round 0 for it
      await waitFor(() => eventsIn(h.latestResults().get('g@0')) === 600, { what: 'the first job counting round 1', timeoutMs: 30_000 });
    },
    90_000,
  );

  it('behind Sentinel with auth and TLS everywhere, through a kill -9 of the primary: every event counted once', async () => {
    const source = uniqueName('actions');
    harness = await startAggregator([{ name: 'g', source, key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 50 }], viaSentinels(), {
      emitterThread: true,
    });
    const h = harness;
    // says where it stands when it times out: the total, and what the aggregator's health says
    const counted = (expected: number) => () => {
      const now = eventsIn(h.latestResults().get('g@0'));
      if (now !== expected) throw new Error(`the running total is ${now}, expected ${expected}; ${JSON.stringify(h.app.health())}`);
      return true;
    };
    await h.write(source, rounds(0));
    await waitFor(counted(300), { what: 'round 0 counted', timeoutMs: 30_000 });
    const before = await sentinels.primaryPort();
    await sentinels.killPrimary();
    await h.write(source, rounds(1));
    await waitFor(async () => (await sentinels.primaryPort()) !== before, { what: 'a new primary', timeoutMs: 30_000 });
    // results wait for a replica (REDIS_MIN_REPLICAS 1): the old primary rejoins as one
    await sentinels.startServer(before === sentinels.serverPorts[0] ? 1 : 2);
    await waitFor(counted(600), { what: 'round 1 counted after the failover', timeoutMs: 60_000 });
    expect(h.latestResults().get('g@0')!.counts).toEqual(expectedCounts(600));
  }, 120_000);

  describe('each mistake: one line naming the setting, without the password', () => {
    async function failure(settings: Record<string, string>): Promise<string> {
      const parsed = parseAggregatorConfig({ KAFKA_BROKERS: '127.0.0.1:9', ...settings });
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      const target = redisTargetOf(parsed.config);
      if (!target.ok) throw new Error(target.errors.join('; '));
      const started = Date.now();
      const error = await connectRedis(target.target, 4000, silentLogger()).then(
        (redis) => {
          redis.disconnect();
          return new Error('connected');
        },
        (err: Error) => err,
      );
      expect(error).toBeInstanceOf(RedisStartupError);
      expect(error.message).not.toContain('\n');
      expect(error.message).not.toContain(PASSWORD);
      expect(error.message).not.toContain(SENTINEL_PASSWORD);
      expect(Date.now() - started).toBeLessThan(12_000);
      return error.message;
    }

    it.each([
      ['a wrong password', () => ({ ...secured(), REDIS_PASSWORD: 'not-it' }), 'authentication refused (REDIS_USERNAME, REDIS_PASSWORD): WRONGPASS'],
      [
        'a wrong password in REDIS_URL',
        () => ({ ...secured(), REDIS_USERNAME: '', REDIS_PASSWORD: '', REDIS_URL: tlsRedis.url.replace('://', '://aggregator:not-it@') }),
        'authentication refused (the user and password in REDIS_URL): WRONGPASS',
      ],
      [
        'no user at all',
        () => ({ ...secured(), REDIS_USERNAME: '', REDIS_PASSWORD: '' }),
        'the server wants a user and password it accepts (REDIS_USERNAME, REDIS_PASSWORD): NOAUTH',
      ],
      [
        'no client certificate',
        () => ({ ...secured(), REDIS_TLS_CERT_FILE: '', REDIS_TLS_KEY_FILE: '' }),
        'TLS failed: the server requires a client certificate (mutual TLS): set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE',
      ],
      [
        'a CA that did not sign the server',
        () => ({ ...secured(), REDIS_TLS_CA_FILE: pki.otherCa }),
        "TLS failed: the server's certificate is not signed by a CA in REDIS_TLS_CA_FILE",
      ],
      [
        'plaintext to the TLS server',
        () => ({ REDIS_URL: tlsRedis.url.replace('rediss:', 'redis:'), REDIS_USERNAME: 'aggregator', REDIS_PASSWORD: PASSWORD }),
        'the server speaks TLS only: use REDIS_URL rediss:// (or REDIS_TLS=true)',
      ],
      [
        'TLS to a plaintext server',
        () => ({ REDIS_URL: plainRedis.url.replace('redis:', 'rediss:'), REDIS_TLS_CA_FILE: pki.ca }),
        'the server does not speak TLS, but REDIS_URL rediss:// (or REDIS_TLS=true) asks for it',
      ],
      [
        'a wrong Sentinel password',
        () => ({ ...viaSentinels(), REDIS_SENTINEL_PASSWORD: 'not-it' }),
        'authentication refused (REDIS_SENTINEL_USERNAME, REDIS_SENTINEL_PASSWORD): WRONGPASS',
      ],
      [
        'a wrong password of the servers behind Sentinel',
        () => ({ ...viaSentinels(), REDIS_PASSWORD: 'not-it' }),
        'authentication refused (REDIS_USERNAME, REDIS_PASSWORD): WRONGPASS',
      ],
      [
        'TLS to the Sentinels but not to the servers',
        () => ({ ...viaSentinels(), REDIS_TLS: 'false', REDIS_SENTINEL_TLS: 'true' }),
        'speaks TLS only: set REDIS_TLS=true (the Sentinels’ REDIS_SENTINEL_TLS says nothing of the servers)'.replace('’', "'"),
      ],
    ])('%s', async (_case, settings, message) => {
      expect(await failure(settings())).toContain(message);
    });
  });
});
