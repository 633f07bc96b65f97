import { createKafka, type Consumer } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import type { WindowResult } from '@streamtally/contracts';
import { freePort, testBrokers, testRedisUrl, uniqueName, waitFor } from '@streamtally/test-support';
import {
  DISTINCT_TOLERANCE,
  LatestResults,
  MEAN_TOLERANCE,
  recount,
  RecountAggregate,
  recountSessions,
  RecountJob,
  recountValues,
  replayGeneratedInput,
  ServiceProcess,
  startService,
} from '../src';

// The aggregator's results must equal an independent recount of the input topic, whether
// it runs cleanly, is SIGKILLed at five random moments, or shares the work with a second
// instance that is killed mid-run.
const EVENTS = 200_000;
// sums, minima, maxima and means under the same kills, brand_id null in some rows
const AGGREGATES: RecountAggregate[] = [
  { name: 'items', op: 'sum', field: 'item_id' },
  { name: 'firstBrand', op: 'min', field: 'brand_id' },
  { name: 'lastBrand', op: 'max', field: 'brand_id' },
  { name: 'meanGender', op: 'avg', field: 'gender' },
  { name: 'users', op: 'distinct', field: 'user_id' },
];
// sessions per category: a category's events are in every partition, cut by each and merged in Redis
const SESSIONS = { name: 'category-sessions', field: 'cat_id' as const, gapMs: 200 };
const JOBS = [
  { name: 'gender-1s', source: '', key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 }, allowedLatenessMs: 500, emitEveryMs: 200 },
  {
    name: 'purchases-1s',
    source: '',
    filter: 'action == 2',
    key: { field: 'gender' },
    window: { type: 'tumbling', sizeMs: 1000 },
    allowedLatenessMs: 500,
    emitEveryMs: 200,
  },
  {
    name: 'provinces-2s',
    source: '',
    key: { field: 'province' },
    window: { type: 'hopping', sizeMs: 2000, slideMs: 1000 },
    allowedLatenessMs: 500,
    emitEveryMs: 200,
  },
  { name: 'gender-total', source: '', key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 200 },
  {
    name: 'items-per-age-1s',
    source: '',
    key: { field: 'age_range' },
    window: { type: 'tumbling', sizeMs: 1000 },
    allowedLatenessMs: 500,
    emitEveryMs: 200,
    aggregates: [{ name: 'shoppers', op: 'count' }, ...AGGREGATES.map(({ name, op, field }) => ({ name, op, field }))],
  },
  {
    name: SESSIONS.name,
    source: '',
    key: { field: SESSIONS.field },
    window: { type: 'session', gapMs: SESSIONS.gapMs },
    allowedLatenessMs: 500,
    emitEveryMs: 200,
  },
];
const RECOUNT: RecountJob[] = [
  { name: 'gender-1s', field: 'gender', sizeMs: 1000 },
  { name: 'purchases-1s', field: 'gender', sizeMs: 1000, filter: (e) => e.action === 2 },
  { name: 'provinces-2s', field: 'province', sizeMs: 2000, slideMs: 1000 },
  { name: 'gender-total', field: 'gender' },
  { name: 'items-per-age-1s', field: 'age_range', sizeMs: 1000 },
];

describe('producer + aggregator processes: exactly-once results', () => {
  const kafka = createKafka({ brokers: testBrokers(), clientId: 'pipeline-test', logger: silentLogger() });
  const redis = new Redis(testRedisUrl());
  const inputTopic = uniqueName('pipeline-actions');
  const namespaces: string[] = [];
  const running: ServiceProcess[] = [];
  let expected: Map<string, Record<string, number>>;
  let expectedValues: Map<string, Record<string, Record<string, number | null>>>;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-'));
    const events = await replayGeneratedInput({ brokers: testBrokers(), topic: inputTopic, rows: EVENTS, seed: 42, dir });
    expect(events).toHaveLength(EVENTS);
    expected = new Map([...recount(events, RECOUNT), ...recountSessions(events, SESSIONS)]);
    expectedValues = recountValues(events, { name: 'items-per-age-1s', field: 'age_range', sizeMs: 1000, aggregates: AGGREGATES });
    expect(events.some((e) => e.brand_id === null)).toBe(true); // the brand's min and max skip those
  }, 180_000);

  /** Counts and every aggregate's values equal the recount's. */
  function expectRecount(latest: LatestResults): void {
    expect(latest.counts()).toEqual(expected);
    const { got, want } = latest.valuesLike(expectedValues, { meanGender: MEAN_TOLERANCE, users: DISTINCT_TOLERANCE });
    expect(got).toEqual(want);
  }

  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill('SIGKILL')));
  });

  afterAll(async () => {
    for (const namespace of namespaces) {
      const keys = await redis.keys(`st:{${namespace}}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function aggregatorEnv(run: string): Record<string, string> {
    namespaces.push(run);
    return {
      KAFKA_BROKERS: testBrokers().join(','),
      REDIS_URL: testRedisUrl(),
      JOBS: JSON.stringify(JOBS.map((j) => ({ ...j, source: inputTopic }))),
      STATE_NAMESPACE: run,
      CONSUMER_GROUP: `${run}-group`,
      RESULTS_TOPIC: `${run}-results`,
      LATE_EVENTS_TOPIC: `${run}-late`,
      DEAD_LETTER_TOPIC: `${run}-dlq`,
      IDLE_TIMEOUT_MS: '1000',
      SESSION_TIMEOUT_MS: '6000',
      EMIT_TICK_MS: '50',
      FETCH_MAX_BYTES_PER_PARTITION: '65536',
      // small bites for the catch-up reader too: the kills must land mid-backfill
      CATCH_UP_FETCH_MAX_BYTES: '65536',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    };
  }

  function spawnAggregator(env: Record<string, string>): ServiceProcess {
    const p = startService('aggregator', env);
    running.push(p);
    return p;
  }

  /** Committed progress of the run: records counted across the six partitions. */
  async function counted(namespace: string): Promise<number> {
    let total = 0;
    for (let p = 0; p < 6; p += 1) total += Number((await redis.hget(`st:{${namespace}}:part:${inputTopic}:${p}`, 'offset')) ?? 0);
    return total;
  }

  async function collectResults(topic: string, untilComplete: () => Promise<void> | void): Promise<LatestResults> {
    const latest = new LatestResults();
    const reader: Consumer = kafka.consumer({ groupId: uniqueName('results-reader'), maxWaitTimeInMs: 100 });
    await reader.connect();
    // created here, as the aggregator would, so the reader can subscribe before it starts
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    await admin.disconnect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      autoCommit: false,
      eachMessage: async ({ message }) => latest.offer(String(message.key), JSON.parse(String(message.value)) as WindowResult),
    });
    try {
      await untilComplete();
      await waitFor(() => latest.complete(expected), { what: 'every window final with its results', timeoutMs: 60_000 }).catch((err) => {
        const last = running[running.length - 1];
        throw new Error(
          `${(err as Error).message}\nwindows not right yet:\n${latest.describeGaps(expected)}\nlast aggregator output:\n${last?.output().slice(-3000)}`,
        );
      });
    } finally {
      await reader.disconnect();
    }
    return latest;
  }

  it('a clean run: every final window equals an independent recount of the input topic', async () => {
    const env = aggregatorEnv(uniqueName('clean'));
    const aggregator = spawnAggregator(env);
    const latest = await collectResults(env.RESULTS_TOPIC!, () => undefined).catch((err) => {
      throw new Error(`${(err as Error).message}\naggregator output:\n${aggregator.output()}`);
    });
    expectRecount(latest);
    expect([...latest.byKey.values()].filter((r) => r.windowEnd !== null).every((r) => r.final)).toBe(true);
    // sessions of a category cut by several partitions' batches were merged (and retracted)
    expect([...latest.byKey.values()].some((r) => r.mergedInto !== undefined)).toBe(true);
  }, 180_000);

  it('killed with SIGKILL at five moments and restarted each time: the same results', async () => {
    const env = aggregatorEnv(uniqueName('killed'));
    const progressAtKills: number[] = [];
    const latest = await collectResults(env.RESULTS_TOPIC!, async () => {
      for (let kill = 0; kill < 5; kill += 1) {
        const aggregator = spawnAggregator(env);
        const before = await counted(env.STATE_NAMESPACE!);
        // a moment once this instance has counted something (or a short while passed): five
        // moments spread over 200-1000 ms, the same in every run, so a failure can be replayed
        const delay = 200 + ((kill * 373) % 800);
        await waitFor(async () => (await counted(env.STATE_NAMESPACE!)) > before || undefined, { timeoutMs: 15_000, what: 'progress' }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, delay));
        await aggregator.kill('SIGKILL');
        progressAtKills.push(await counted(env.STATE_NAMESPACE!));
      }
      spawnAggregator(env);
    });
    expect(progressAtKills.some((p) => p > 0 && p < EVENTS)).toBe(true);
    expectRecount(latest);
  }, 180_000);

  it('two instances over six partitions, one killed mid-run: the same results', async () => {
    const env = aggregatorEnv(uniqueName('pair'));
    const latest = await collectResults(env.RESULTS_TOPIC!, async () => {
      const first = spawnAggregator(env);
      spawnAggregator(env);
      await waitFor(async () => (await counted(env.STATE_NAMESPACE!)) > EVENTS / 10 || undefined, { timeoutMs: 60_000, what: 'a tenth counted' });
      await first.kill('SIGKILL');
      const atKill = await counted(env.STATE_NAMESPACE!);
      expect(atKill).toBeLessThan(EVENTS);
    });
    expectRecount(latest);
    // and Kafka's own tools see no lag: the survivor commits the end of every partition, also
    // of those the killed one had counted to the end without Kafka hearing of it
    await groupCommittedAtEnd(env.CONSUMER_GROUP!);
  }, 180_000);

  /** Records a job has counted across the six partitions (its own positions). */
  async function countedBy(namespace: string, job: string): Promise<number> {
    const positions = await redis.hgetall(`st:{${namespace}}:pos:${job}`);
    let total = 0;
    for (let p = 0; p < 6; p += 1) total += Number(positions[`${inputTopic}:${p}`] ?? 0);
    return total;
  }

  // the job-lifecycle issue: jobs added to a running pipeline count the whole topic (a
  // backfill beside the live job), also when the instances doing it are killed
  it('four jobs added once the first has counted everything, their backfill SIGKILLed three times over two instances: the same results', async () => {
    const env = aggregatorEnv(uniqueName('added'));
    const firstOnly = { ...env, JOBS: JSON.stringify([{ ...JOBS[0], source: inputTopic }]) };
    const progressAtKills: number[] = [];
    const latest = await collectResults(env.RESULTS_TOPIC!, async () => {
      spawnAggregator(firstOnly);
      spawnAggregator(firstOnly);
      await waitFor(async () => (await counted(env.STATE_NAMESPACE!)) === EVENTS || undefined, {
        timeoutMs: 90_000,
        what: 'the first job counting everything',
      });
      await Promise.all(running.splice(0).map((p) => p.kill('SIGKILL')));
      let first = spawnAggregator(env);
      spawnAggregator(env);
      for (let kill = 0; kill < 3; kill += 1) {
        const before = await countedBy(env.STATE_NAMESPACE!, 'gender-total');
        await waitFor(async () => (await countedBy(env.STATE_NAMESPACE!, 'gender-total')) > before || undefined, {
          timeoutMs: 30_000,
          what: 'backfill progress',
        }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100 + kill * 150));
        await first.kill('SIGKILL');
        progressAtKills.push(await countedBy(env.STATE_NAMESPACE!, 'gender-total'));
        first = spawnAggregator(env);
      }
    });
    expect(progressAtKills.some((p) => p > 0 && p < EVENTS)).toBe(true);
    expectRecount(latest);
  }, 240_000);

  // seen on main: after SIGKILLs every window was exact, yet `topics` showed a group lag of
  // 51,457 for good: a partition the killed instance had counted to its end, its last Kafka
  // commits still waiting in the throttle, got nothing new, so its new owner never committed
  it("one of two instances killed once everything is counted: Kafka's committed offsets still reach the end of every partition", async () => {
    const env = aggregatorEnv(uniqueName('lag'));
    const first = spawnAggregator(env);
    spawnAggregator(env);
    await waitFor(async () => (await counted(env.STATE_NAMESPACE!)) === EVENTS || undefined, { timeoutMs: 90_000, what: 'everything counted' });
    await first.kill('SIGKILL'); // its latest offsets, throttled (KAFKA_COMMIT_INTERVAL_MS), never reach Kafka
    await groupCommittedAtEnd(env.CONSUMER_GROUP!, 60_000);
  }, 150_000);

  async function groupCommittedAtEnd(groupId: string, timeoutMs = 30_000): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(inputTopic);
      await waitFor(
        async () => {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [inputTopic] });
          const lag = committed!.partitions.reduce(
            (sum, p) => sum + Number(ends.find((e) => e.partition === p.partition)!.high) - Math.max(0, Number(p.offset)),
            0,
          );
          if (lag !== 0) throw new Error(`the group's committed offsets are ${lag} records behind the end of ${inputTopic}`);
          return true;
        },
        { timeoutMs, what: "Kafka's committed offsets at the end of every partition" },
      );
    } finally {
      await admin.disconnect();
    }
  }

  it('a zombie: one of two instances frozen (SIGSTOP) past its session timeout, then thawed: it writes nothing, the same results', async () => {
    const env = aggregatorEnv(uniqueName('zombie'));
    const zombiePort = await freePort();
    let fenced = 0;
    const latest = await collectResults(env.RESULTS_TOPIC!, async () => {
      const zombie = spawnAggregator({ ...env, METRICS_PORT: String(zombiePort), METRICS_HOST: '127.0.0.1' });
      spawnAggregator(env); // the one that takes over
      const zombieMetric = async (name: string) => {
        const text = await (await fetch(`http://127.0.0.1:${zombiePort}/metrics`)).text();
        return text
          .split('\n')
          .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
          .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
      };
      // frozen only once it really holds partitions and counts into them (a slow start under
      // load once froze it before it served anything), and while work remains
      await waitFor(
        async () =>
          (await zombieMetric('streamtally_aggregator_owned_partitions')) > 0 &&
          (await zombieMetric('streamtally_aggregator_records_total')) > 0 &&
          (await counted(env.STATE_NAMESPACE!)) > EVENTS / 10,
        { timeoutMs: 60_000, what: 'the future zombie owning partitions and counting, a tenth counted' },
      );
      zombie.child.kill('SIGSTOP'); // mid-batch: it holds partitions and has counted into them
      const frozenAt = await counted(env.STATE_NAMESPACE!);
      // the group drops it after SESSION_TIMEOUT_MS (6 s) and the other takes everything
      await waitFor(async () => (await counted(env.STATE_NAMESPACE!)) >= EVENTS || undefined, {
        timeoutMs: 90_000,
        what: 'everything counted without the zombie',
      });
      expect(frozenAt).toBeLessThan(EVENTS);
      zombie.child.kill('SIGCONT');
      // thawed, it finishes what it was doing when frozen: a checkpoint, if it was mid-batch
      // (refused as fenced: partition-processor.int.test.ts holds that refusal on its own),
      // else it just rejoins. Either way it must write nothing: the results below are exact.
      fenced = await waitFor(
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${zombiePort}/metrics`)).text();
          const line = text.split('\n').find((l) => l.startsWith('streamtally_aggregator_checkpoint_failures_total{') && l.includes('reason="fenced"'));
          return line === undefined ? undefined : { attempts: Number(line.split(' ').pop()) };
        },
        { timeoutMs: 30_000, what: 'the thawed zombie serving /metrics again' },
      ).then((f) => f.attempts);
    });
    // how many writes it attempted and had refused, for the record (0 when frozen between batches)
    process.stdout.write(`zombie: ${fenced} fenced write attempt(s) after the thaw\n`);
    expect(fenced).toBeGreaterThanOrEqual(0);
    expectRecount(latest);
  }, 240_000);
});
