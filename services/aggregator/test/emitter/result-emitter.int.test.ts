import Redis from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import { WindowResult } from '@streamtally/contracts';
import { silentLogger } from '@streamtally/observability';
import { waitFor } from '@streamtally/test-support';
import { ResultEmitter, ResultEmitterDeps, ResultsWait } from '../../src/emitter/result-emitter';
import type { ReplicaWait } from '../../src/emitter/replica-wait';
import type { Job } from '../../src/jobs/job-schema';
import { parseJobs } from '../../src/jobs/jobs-file';
import { createAggregatorMetrics, emitterMetricsOf } from '../../src/metrics';
import { RedisState } from '../../src/state/redis-state';
import { eachWithRedisState } from '../support/redis-state';

// One job whose results cannot be written (Kafka refuses them, say) must not hold back the
// others: each job emits on its own, and a job failing for long enough is reported. Results
// wait for Redis replicas when asked, and say when their newest input was written.
describe('ResultEmitter against a real Redis', () => {
  let redis: Redis;
  let state: RedisState;
  eachWithRedisState('emitter', (r, s) => {
    redis = r;
    state = s;
  });

  /** Running totals by gender, read from topic `t` (one partition). */
  function runningTotals(...names: string[]): Job[] {
    const parsed = parseJobs(names.map((name) => ({ name, source: 't', key: { field: 'gender' }, window: { type: 'running' }, emitEveryMs: 50 })));
    if (!parsed.ok) throw new Error(parsed.errors.join());
    return parsed.jobs;
  }

  /** Owns partition 0 of `t`; each call commits offsets from..to as that many events of `key` for every job. */
  async function counter(jobs: Job[], key: string) {
    const own = await state.acquire('t', 0, '0');
    return (from: number, to: number, writtenAt?: number) =>
      state.checkpoint({
        topic: 't',
        partition: 0,
        epoch: own.epoch,
        fromOffset: String(from),
        toOffset: String(to),
        maxTs: 1000,
        now: 1,
        writtenAt,
        closedSeen: new Map(jobs.map((job) => [job.name, ''])),
        deltas: jobs.map((job) => ({ job: job.name, windowStart: 0, windowEnd: null, counts: new Map([[key, to - from]]) })),
      });
  }

  /** An emitter over `t` whose end offset is `end()`, at the clock `now()`. */
  const emitterOf = (jobs: Job[], end: () => number, now: () => number, deps: Partial<ResultEmitterDeps> = {}) =>
    new ResultEmitter({
      state,
      jobs,
      idleTimeoutMs: 1000,
      metrics: emitterMetricsOf(createAggregatorMetrics(new Registry())),
      logger: silentLogger(),
      now,
      topicOffsets: async () => [{ partition: 0, startOffset: 0, endOffset: end() }],
      isEmitterFor: () => true,
      publish: async () => undefined,
      ...deps,
    });

  /**
   * Offsets 0..10 of partition 0 of `t` as one catch-up batch of `job`: `windows` windows of
   * 1 s from 0, key '0' counted i + 1 times in the i-th, their input written at 5.
   */
  const catchUpBatch = (job: string, epoch: string, windows: number, at: { maxTs: number; now: number }) =>
    state.checkpoint({
      topic: 't',
      partition: 0,
      epoch,
      fromOffset: '0',
      toOffset: '10',
      ...at,
      writtenAt: 5,
      closedSeen: new Map([[job, '']]),
      deltas: Array.from({ length: windows }, (_, i) => ({ job, windowStart: i * 1000, windowEnd: i * 1000 + 1000, counts: new Map([['0', i + 1]]) })),
    });

  it('a job whose results are refused does not hold back the others, and is reported once it has failed long enough', async () => {
    const jobs = runningTotals('broken', 'healthy');
    await (
      await counter(jobs, '1')
    )(0, 3);
    const published: WindowResult[] = [];
    const registry = new Registry();
    let now = 10_000;
    const emitter = emitterOf(
      jobs,
      () => 3,
      () => now,
      {
        metrics: emitterMetricsOf(createAggregatorMetrics(registry)),
        publish: async (results) => {
          if (results.some((r) => r.job === 'broken')) throw new Error('The request included a message larger than the max message size');
          published.push(...results);
        },
      },
    );
    expect((await emitter.tick()).map((r) => r.job)).toEqual(['healthy']);
    expect(published).toEqual([expect.objectContaining({ job: 'healthy', counts: { '1': 3 } })]);
    expect(emitter.failingFor(30_000)).toEqual([]);
    now += 30_000;
    await emitter.tick();
    expect(emitter.failingFor(30_000)).toEqual(['broken']);
    expect(await registry.getSingleMetricAsString('streamtally_aggregator_emit_failures_total')).toContain('aggregation="broken"} 2');
  });

  it("emits a tick's jobs at once: a job whose results take long to be acknowledged does not hold back another's", async () => {
    const jobs = runningTotals('slow', 'quick');
    await (
      await counter(jobs, '1')
    )(0, 3);
    let quickOut!: () => void;
    const quickPublished = new Promise<void>((resolve) => (quickOut = resolve));
    const published: string[] = [];
    const emitter = emitterOf(
      jobs,
      () => 3,
      () => 10_000,
      {
        publish: async (results) => {
          const job = results[0]!.job;
          // one after the other, `slow` would wait here for a job that comes after it
          if (job === 'slow') {
            let timer: NodeJS.Timeout | undefined;
            const gaveUp = new Promise((_, fail) => (timer = setTimeout(() => fail(new Error('quick waited for slow')), 2000)));
            await Promise.race([quickPublished, gaveUp]).finally(() => clearTimeout(timer));
          }
          published.push(job);
          if (job === 'quick') quickOut();
        },
      },
    );
    expect((await emitter.tick()).map((r) => r.job)).toEqual(['slow', 'quick']);
    expect(published).toEqual(['quick', 'slow']);
  });

  /** A running total of two events, and an emitter of it whose results wait on `replicas`; `later` moves its clock on. */
  async function waitingOn(replicas: ReplicaWait, deps: Partial<ResultEmitterDeps> = {}) {
    const jobs = runningTotals('totals');
    await (
      await counter(jobs, '0')
    )(0, 2);
    const published: WindowResult[] = [];
    let now = 10_000;
    const emitter = emitterOf(
      jobs,
      () => 2,
      () => now,
      { replicas, publish: async (results) => void published.push(...results), ...deps },
    );
    return { emitter, published, later: () => (now += 100) };
  }

  it('waits without publishing while the state is not replicated, logging the reason without a stack trace', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    let replicas = 0;
    const { emitter, published, later } = await waitingOn(
      {
        readFrom: async () => 'p1',
        replicated: async () => {
          if (replicas < 1) throw new ResultsWait('the state is on 0 Redis replica(s) after 1000 ms, REDIS_MIN_REPLICAS is 1: results wait');
        },
      },
      { logger },
    );
    expect(await emitter.tick()).toEqual([]);
    expect(published).toEqual([]);
    expect(lines).toEqual([expect.objectContaining({ level: 40, job: 'totals', reason: expect.stringContaining('REDIS_MIN_REPLICAS is 1') })]);
    expect(lines[0]).not.toHaveProperty('err');
    replicas = 1;
    later();
    expect((await emitter.tick()).map((r) => r.counts)).toEqual([{ '0': 2 }]);
  });

  it("asks the replica wait about the primary the step's state was read from: state read before a failover is not published, the next emit's is", async () => {
    let primary = 'p1';
    const asked: string[] = [];
    const { emitter, published, later } = await waitingOn({
      readFrom: async () => primary,
      replicated: async (readFrom) => {
        asked.push(readFrom);
        primary = 'p2'; // a failover between the first read and its write
        if (readFrom !== primary) throw new ResultsWait('the Redis primary changed (a failover) after the state was read');
      },
    });
    expect(await emitter.tick()).toEqual([]);
    later();
    expect((await emitter.tick()).map((r) => r.counts)).toEqual([{ '0': 2 }]);
    expect(asked).toEqual(['p1', 'p2']);
    expect(published).toHaveLength(1);
  });

  it('a result carries the write time of the oldest input new in it; the next version of the window only what came after', async () => {
    const jobs = runningTotals('totals');
    const count = await counter(jobs, '0');
    await count(0, 2, 4_000);
    await count(2, 3, 4_100);
    let now = 10_000;
    let end = 3;
    const emitter = emitterOf(
      jobs,
      () => end,
      () => now,
    );
    expect((await emitter.tick()).map((r) => [r.counts, r.inputWrittenAt])).toEqual([[{ '0': 3 }, 4_000]]);
    await count(3, 4, 9_000);
    end = 4;
    now += 100;
    expect((await emitter.tick()).map((r) => [r.counts, r.inputWrittenAt])).toEqual([[{ '0': 4 }, 9_000]]);
    expect(await redis.hlen(state.keys.pending('totals'))).toBe(0);
  });
  it('provisional results for the newest MAX_PROVISIONAL_WINDOWS open windows only; every window still gets its final', async () => {
    const parsed = parseJobs([
      { name: 'hourly', source: 't', key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 }, allowedLatenessMs: 0, emitEveryMs: 50 },
    ]);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const own = await state.acquire('t', 0, '0');
    // a catch-up's batch: ten windows open at once, the partition's event time at the tenth
    await catchUpBatch('hourly', own.epoch, 10, { maxTs: 9_500, now: 1 });
    let now = 100;
    const published: WindowResult[] = [];
    const registry = new Registry();
    const emitter = emitterOf(
      parsed.jobs,
      () => 10,
      () => now,
      { maxProvisionalWindows: 3, metrics: emitterMetricsOf(createAggregatorMetrics(registry)), publish: async (results) => void published.push(...results) },
    );
    // the partition is not idle yet: the watermark (9,500) closes the nine windows ending by then, the tenth stays open
    const first = await emitter.tick();
    expect(first.filter((r) => r.final).map((r) => r.windowStart)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]);
    expect(first.filter((r) => !r.final).map((r) => r.windowStart)).toEqual([9000]);
    expect(first.every((r) => r.counts['0'] === r.windowStart / 1000 + 1)).toBe(true);
    // now only open windows: more than the cap, the newest three provisional, the gauge counts all
    await state.checkpoint({
      topic: 't',
      partition: 0,
      epoch: own.epoch,
      fromOffset: '10',
      toOffset: '15',
      maxTs: 9_999,
      now: 2,
      writtenAt: 6,
      closedSeen: new Map([['hourly', (await state.readClosed(['hourly'])).get('hourly')!]]),
      deltas: Array.from({ length: 5 }, (_, i) => ({
        job: 'hourly',
        windowStart: 20_000 + i * 1000,
        windowEnd: 21_000 + i * 1000,
        counts: new Map([['1', 1]]),
      })),
    });
    now += 100;
    const second = await emitter.tick();
    expect(second.map((r) => [r.windowStart, r.final])).toEqual([
      [22_000, false],
      [23_000, false],
      [24_000, false],
    ]);
    const gauge = (await registry.getSingleMetricAsString('streamtally_aggregator_open_windows')).split('\n').find((l) => l.includes('aggregation="hourly"'));
    expect(gauge).toMatch(/ 6$/);
  });

  it('closes MAX_FINALS_PER_EMIT windows an emit at most, the oldest first, and emits again at the next tick while more are due', async () => {
    const parsed = finalOnlySeconds();
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const own = await state.acquire('t', 0, '0');
    await catchUpBatch('secs', own.epoch, 11, { maxTs: 10_500, now: 1000 }); // its progress at 1,000: not idle until 2,000
    let now = 1000; // the job's first emit is due
    const registry = new Registry();
    const emitter = emitterOf(
      parsed.jobs,
      () => 10,
      () => now,
      { maxFinalsPerEmit: 4, stepsPerEmit: 1, metrics: emitterMetricsOf(createAggregatorMetrics(registry)) },
    );
    const gauge = async () =>
      (await registry.getSingleMetricAsString('streamtally_aggregator_open_windows')).split('\n').find((l) => l.includes('aggregation="secs"'));
    const finals = async () => (await emitter.tick()).filter((r) => r.final).map((r) => [r.windowStart, r.counts['0'], r.inputWrittenAt]);
    // ten windows are due (the eleventh ends after the watermark): four an emit, each at the next tick, not a second later
    expect(await finals()).toEqual([0, 1, 2, 3].map((i) => [i * 1000, i + 1, 5]));
    expect(await gauge()).toMatch(/ 7$/); // the six still due and the eleventh
    now += 25;
    expect(await finals()).toEqual([4, 5, 6, 7].map((i) => [i * 1000, i + 1, 5]));
    now += 25;
    expect(await finals()).toEqual([8, 9].map((i) => [i * 1000, i + 1, 5]));
    expect(await gauge()).toMatch(/ 1$/);
    // none left due: the job waits its emitEveryMs again
    now += 25;
    expect(await emitter.tick()).toEqual([]);
    expect(await redis.zrange(state.keys.open('secs'), 0, -1)).toEqual(['10000']);
    // each final carried its input's write time, which went as its window retired; the open window keeps its own
    // (a final-only job: no provisional result took it first)
    expect(await redis.hkeys(state.keys.pending('secs'))).toEqual(['10000']);
  });

  it("writes a step's finals while it reads the next step's windows, up to stepsPerEmit steps an emit", async () => {
    const parsed = finalOnlySeconds();
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const own = await state.acquire('t', 0, '0');
    await catchUpBatch('secs', own.epoch, 11, { maxTs: 10_500, now: 1000 });
    const published: number[][] = [];
    const emitter = emitterOf(
      parsed.jobs,
      () => 10,
      () => 1000,
      {
        maxFinalsPerEmit: 3,
        stepsPerEmit: 2,
        publish: async (results) => {
          published.push(results.map((r) => r.windowStart / 1000));
          // the second step's windows are closed (and read) before the first's results are acknowledged
          if (published.length === 1) await waitFor(async () => (await state.readClosed(['secs'])).get('secs') === '6000', { what: 'the next step closed' });
        },
      },
    );
    const finals = async () => (await emitter.tick()).filter((r) => r.final).map((r) => [r.windowStart, r.counts['0']]);
    // ten windows due: two steps of three, then three and the last one
    expect(await finals()).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i * 1000, i + 1]));
    expect(published).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(await finals()).toEqual([6, 7, 8, 9].map((i) => [i * 1000, i + 1]));
    expect(await redis.zrange(state.keys.open('secs'), 0, -1)).toEqual(['10000']);
  });

  it("a step whose results are refused leaves its windows and the next step's open: the next emit writes them all", async () => {
    const parsed = finalOnlySeconds();
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const own = await state.acquire('t', 0, '0');
    await catchUpBatch('secs', own.epoch, 11, { maxTs: 10_500, now: 1000 });
    let refuse = true;
    let now = 1000;
    const emitter = emitterOf(
      parsed.jobs,
      () => 10,
      () => now,
      {
        maxFinalsPerEmit: 3,
        stepsPerEmit: 4,
        publish: async () => {
          if (!refuse) return;
          await waitFor(async () => (await state.readClosed(['secs'])).get('secs') === '6000', { what: 'the next step closed' });
          throw new Error('refused');
        },
      },
    );
    expect(await emitter.tick()).toEqual([]);
    // nothing retired: the first step's windows, though the second's were closed (read) too
    expect((await state.readClosed(['secs'])).get('secs')).toBe('6000');
    expect(await redis.zcard(state.keys.open('secs'))).toBe(11);
    refuse = false;
    now += 1000;
    const finals = (await emitter.tick()).filter((r) => r.final).map((r) => [r.windowStart, r.counts['0'], r.inputWrittenAt]);
    expect(finals).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => [i * 1000, i + 1, 5]));
    expect(await redis.zrange(state.keys.open('secs'), 0, -1)).toEqual(['10000']);
  });
});

/** A final-only job of 1 s windows over `t`, keyed by gender, no lateness, due every second. */
function finalOnlySeconds() {
  return parseJobs([
    {
      name: 'secs',
      source: 't',
      key: { field: 'gender' },
      window: { type: 'tumbling', sizeMs: 1000 },
      allowedLatenessMs: 0,
      emitEveryMs: 1000,
      emit: 'final',
    },
  ]);
}
