import Redis from 'ioredis';
import type { UserActionEvent, WindowResult } from '@streamtally/contracts';
import { PrivateSentinelRedis, startPrivateSentinelRedis, uniqueName, waitFor } from '@streamtally/test-support';
import { replicaWait } from '../src/emitter/replica-wait';
import { RedisState } from '../src/state/redis-state';
import { AggregatorHarness, eventsIn, startAggregator } from './support/aggregator-harness';
import { userAction } from './support/events';

const event = (ts: number, line: number) => userAction({ ts, gender: (line % 3) as UserActionEvent['gender'], line });
/** round r: events r*400+1 .. (r+1)*400 over two partitions, from event time `base` on */
const roundFrom = (base: number) => (r: number) =>
  Array.from({ length: 400 }, (_, i) => ({ partition: i % 2, value: event(base + r * 400 + i, r * 400 + i + 1) }));
/** says how far it got when it times out: short of the total (stuck), or past it (counted twice), and the health */
const countedBy = (h: AggregatorHarness) => (expected: number) => () => {
  const now = eventsIn(h.latestResults().get('g@0'));
  if (now !== expected) throw new Error(`the running total is ${now}, expected ${expected}; ${JSON.stringify(h.app.health())}`);
  return true;
};

// Redis behind Sentinel: the primary is SIGKILLed twice mid-run (each time the replica is
// promoted and the old primary comes back as a replica). Replication is asynchronous, so a
// failover may lose the last checkpoints; state and offset go back together and, since
// results are written only from state a replica has (WAIT), no result is ever taken back:
// every result's version only grows, and the totals end exact. scripts/chaos/redis-primary-kills.sh
// runs it with more kills (CHAOS_REDIS_KILLS).
describe('Redis failover through Sentinel', () => {
  let redis: PrivateSentinelRedis;
  let harness: AggregatorHarness | undefined;
  beforeAll(async () => {
    redis = await startPrivateSentinelRedis();
  }, 60_000);
  afterEach(async () => {
    await harness?.close().catch(() => undefined);
    harness = undefined;
  }, 60_000);
  afterAll(async () => {
    await redis?.close();
  }, 60_000);

  const kills = Number(process.env.CHAOS_REDIS_KILLS ?? 2);

  it(
    `kill -9 of the primary, ${kills} times, mid-run: the aggregator follows the new primary and every count is exact`,
    async () => {
      const source = uniqueName('actions');
      harness = await startAggregator(
        // a running total never closes: every event must land in it, once
        [{ name: 'g', source, key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 50 }],
        { REDIS_SENTINELS: redis.sentinels.join(','), REDIS_MASTER_NAME: redis.masterName, REDIS_REPLICA_TIMEOUT_MS: '500' },
      );
      const h = harness;
      const round = roundFrom(1_700_000_000_000);
      const counted = countedBy(h);

      await h.write(source, round(0));
      await waitFor(counted(400), { what: 'round 0 counted', timeoutMs: 30_000 });
      for (let r = 1; r <= kills; r += 1) {
        const before = await redis.primaryPort();
        await redis.killPrimary();
        await h.write(source, round(r)); // written while Sentinel is still electing
        await waitFor(async () => (await redis.primaryPort()) !== before, { what: 'a new primary', timeoutMs: 30_000 });
        // results wait until the state is on a replica again (REDIS_MIN_REPLICAS 1): the old
        // primary comes back as one, as an operator (or its supervisor) would bring it back
        await redis.startServer(before === redis.serverPorts[0] ? 1 : 2);
        await waitFor(counted((r + 1) * 400), { what: `round ${r} counted after failover ${r}`, timeoutMs: 60_000 });
      }

      const final = h.latestResults().get('g@0')!;
      const expected: Record<string, number> = {};
      for (let line = 1; line <= (kills + 1) * 400; line += 1) expected[line % 3] = (expected[line % 3] ?? 0) + 1;
      expect(final.counts).toEqual(expected);
      // never taken back: per key, the versions read only grow
      const lastVersion = new Map<string, number>();
      const regressions: WindowResult[] = [];
      for (const result of h.resultsSeen()) {
        const key = `${result.job}@${result.windowStart}`;
        if ((lastVersion.get(key) ?? -1) > result.version) regressions.push(result);
        lastVersion.set(key, Math.max(lastVersion.get(key) ?? -1, result.version));
      }
      expect(regressions).toEqual([]);
    },
    Number(process.env.CHAOS_TIMEOUT_MS ?? 240_000),
  );

  it('a primary that freezes (SIGSTOP) instead of dying: its silent connection is dropped, the new primary followed, every event counted once', async () => {
    const source = uniqueName('actions');
    // no replica to wait for (the frozen one is the old primary): round 1 must be counted while it is still frozen
    const settings = {
      REDIS_SENTINELS: redis.sentinels.join(','),
      REDIS_MASTER_NAME: redis.masterName,
      REDIS_MIN_REPLICAS: '0',
      REDIS_SOCKET_TIMEOUT_MS: '3000',
    };
    harness = await startAggregator([{ name: 'g', source, key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 50 }], settings);
    const round = roundFrom(1_800_000_000_000);
    const counted = countedBy(harness);
    const h = harness;
    await h.write(source, round(0));
    await waitFor(counted(400), { what: 'round 0 counted', timeoutMs: 30_000 });
    const before = await redis.primaryPort();
    await redis.freezePrimary();
    const frozen = before === redis.serverPorts[0] ? 1 : 2;
    try {
      await h.write(source, round(1));
      await waitFor(counted(800), { what: 'round 1 counted while the old primary is frozen', timeoutMs: 60_000 });
      expect(await redis.primaryPort()).not.toBe(before);
    } finally {
      // back, it is an old primary: the Sentinels make it a replica of the new one
      await redis.thawServer(frozen);
    }
    await h.write(source, round(2));
    await waitFor(counted(1200), { what: 'round 2 counted after the thaw', timeoutMs: 60_000 });
  }, 180_000);

  it('kill -9 of the primary while a job added later backfills (catch-up reader and emitter on their threads, as main.ts runs them): both jobs count every event once', async () => {
    const source = uniqueName('actions');
    const job = (name: string) => ({ name, source, key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 50 });
    // the catch-up reader in small bites, one partition at a time: its backfill spans the failover
    const settings = {
      REDIS_SENTINELS: redis.sentinels.join(','),
      REDIS_MASTER_NAME: redis.masterName,
      REDIS_REPLICA_TIMEOUT_MS: '500',
      CATCH_UP_FETCH_MAX_BYTES: String(16 * 1024),
      CATCH_UP_CONCURRENCY: '1',
      PROGRESS_INTERVAL_MS: '200',
    };
    harness = await startAggregator([job('g')], settings, { catchUpThread: true, emitterThread: true });
    const h = harness;
    const total = 100_000;
    const lines = Array.from({ length: total }, (_, i) => ({ partition: i % 2, value: JSON.stringify(event(1_900_000_000_000 + i, i + 1)) }));
    await h.writeRaw(source, lines);
    await waitFor(countedBy(h)(total), { what: 'the first job counting everything', timeoutMs: 60_000 });

    await h.restart([job('g'), job('added')]);
    // what the catch-up thread has checkpointed for it so far (it reports each batch)
    const backfilled = async () =>
      Number((await h.registry.getSingleMetricAsString('streamtally_aggregator_backfill_events_total')).match(/aggregation="added"} (\d+)/)?.[1] ?? 0);
    await waitFor(async () => (await backfilled()) > 0, { what: 'the added job backfilling', timeoutMs: 30_000, intervalMs: 5 });
    const before = await redis.primaryPort();
    await redis.killPrimary();
    const whenKilled = await backfilled();
    await waitFor(async () => (await redis.primaryPort()) !== before, { what: 'a new primary', timeoutMs: 30_000 });
    await redis.startServer(before === redis.serverPorts[0] ? 1 : 2);
    const counted = (name: string) => () => {
      const now = eventsIn(h.latestResults().get(`${name}@0`));
      if (now !== total) throw new Error(`${name} counted ${now}, expected ${total}; ${JSON.stringify(h.app.health())}`);
      return true;
    };
    await waitFor(counted('added'), { what: 'the added job counting every event after the failover', timeoutMs: 90_000 });
    await waitFor(counted('g'), { what: 'the first job unchanged', timeoutMs: 30_000 });
    // the kill came while the backfill was under way, not after it
    expect(whenKilled).toBeLessThan(total);
    const expected: Record<string, number> = {};
    for (let line = 1; line <= total; line += 1) expected[line % 3] = (expected[line % 3] ?? 0) + 1;
    expect(h.latestResults().get('added@0')!.counts).toEqual(expected);
    // never taken back: a result's version only grows
    const highest = new Map<string, number>();
    const regressions = h.resultsSeen().filter((r) => {
      const key = `${r.job}@${r.windowStart}`;
      const regressed = (highest.get(key) ?? -1) > r.version;
      highest.set(key, Math.max(highest.get(key) ?? -1, r.version));
      return regressed;
    });
    expect(regressions).toEqual([]);
  }, 240_000);

  it('a failover between reading the state and the WAIT: the replica wait sees another primary and the results wait, however many replicas answer', async () => {
    const sentinels = redis.sentinels.map((s) => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) }));
    const client = new Redis({ sentinels, name: redis.masterName, maxRetriesPerRequest: null });
    try {
      const wait = replicaWait(new RedisState(client, uniqueName('primary'), 60), { minReplicas: 1, timeoutMs: 500 }, () => {})!;
      const safe = async () => {
        await wait.replicated(await wait.readFrom());
        return true;
      };
      await waitFor(safe, { what: 'the replica in sync', timeoutMs: 30_000 });
      const readFrom = await wait.readFrom(); // the state read from here on comes from this primary
      const before = await redis.primaryPort();
      await redis.killPrimary();
      await waitFor(async () => (await redis.primaryPort()) !== before, { what: 'a new primary', timeoutMs: 30_000 });
      await redis.startServer(before === redis.serverPorts[0] ? 1 : 2);
      // the old primary back as the new one's replica: WAIT has its replica again
      await waitFor(safe, { what: 'the old primary a replica in sync', timeoutMs: 60_000 });
      await expect(wait.replicated(readFrom)).rejects.toThrow('the Redis primary changed (a failover) after the state was read');
    } finally {
      client.disconnect();
    }
  }, 120_000);
});
