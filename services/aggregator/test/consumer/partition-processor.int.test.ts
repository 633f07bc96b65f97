import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { encodeUserAction, UserActionEvent } from '@streamtally/contracts';
import { silentLogger } from '@streamtally/observability';
import { waitFor } from '@streamtally/test-support';
import { BatchContext, PartitionProcessor, SideOutputs } from '../../src/consumer/partition-processor';
import { parseJobs } from '../../src/jobs/jobs-file';
import { createAggregatorMetrics, processorMetricsOf } from '../../src/metrics';
import { RedisState } from '../../src/state/redis-state';
import { openWindows } from '../support/open-windows';
import { eachWithRedisState } from '../support/redis-state';

// The processor against a real Redis, fed synthetic batches: what it does with offsets it has
// counted before, gaps, refused checkpoints, a newer owner, a log shorter than Redis thinks,
// and a consumer that is closing.
const TOPIC = 'actions';

function event(line: number, gender: 0 | 1 | 2 = 1): UserActionEvent {
  return {
    user_id: line,
    item_id: 1,
    cat_id: 1,
    merchant_id: 1,
    brand_id: null,
    month: 11,
    day: 11,
    action: 0,
    age_range: 0,
    gender,
    province: '上海',
    ts: 1_700_000_000_000,
    line,
  };
}

/** A batch of records at `offsets`, recording what the processor asked of the consumer. */
function batchOf(offsets: number[], options: { highWatermark?: number; running?: () => boolean } = {}) {
  const calls = { resolved: [] as string[], seeks: [] as string[], paused: 0, heartbeats: 0 };
  const batch: BatchContext = {
    topic: TOPIC,
    partition: 0,
    messages: offsets.map((offset) => ({ offset: String(offset), value: encodeUserAction(event(offset + 1)) })),
    highWatermark: String(options.highWatermark ?? (offsets.length ? offsets[offsets.length - 1]! + 1 : 0)),
    resolveOffset: (offset) => calls.resolved.push(offset),
    heartbeat: async () => {
      calls.heartbeats += 1;
    },
    seek: (offset) => calls.seeks.push(offset),
    pause: () => {
      calls.paused += 1;
    },
    isRunning: options.running ?? (() => true),
    isStale: () => false,
  };
  return { batch, calls };
}

describe('PartitionProcessor against a real Redis', () => {
  let redis: Redis;
  let state: RedisState;
  let registry: Registry;
  let metrics: ReturnType<typeof createAggregatorMetrics>;
  const sent: SideOutputs = { send: async () => undefined };
  const parsed = parseJobs([{ name: 'total', source: TOPIC, key: { field: 'gender' }, window: { type: 'running' } }]);
  if (!parsed.ok) throw new Error(parsed.errors.join());
  const jobs = parsed.jobs;

  eachWithRedisState('processor', (r, s) => {
    redis = r;
    state = s;
  });
  beforeEach(() => {
    registry = new Registry();
    metrics = createAggregatorMetrics(registry); // shared by every processor of a test, as in one process
  });

  // process() hands a batch's checkpoint on before it is applied; these tests look at Redis
  // after each batch, so here each one also waits until its checkpoint is done
  const processor = (overrides: Partial<ConstructorParameters<typeof PartitionProcessor>[0]> = {}) => {
    const p = handingOn(overrides);
    const handOn = p.process.bind(p);
    p.process = async (batch) => {
      await handOn(batch);
      await p.settle();
    };
    return p;
  };
  const handingOn = (overrides: Partial<ConstructorParameters<typeof PartitionProcessor>[0]> = {}) =>
    new PartitionProcessor({
      state,
      jobsByTopic: new Map([[TOPIC, jobs]]),
      sideOutputs: sent,
      startOffsetOf: async () => '0',
      commitToKafka: () => undefined,
      metrics: processorMetricsOf(metrics),
      logger: silentLogger(),
      retryBackoffMs: 5,
      ...overrides,
    });
  const counted = async () => (await openWindows(state, 'total'))[0]?.counts ?? {};
  const committedOffset = async () => (await state.readProgress(TOPIC, 1))[0]!.committedOffset;
  const failures = async (reason: string) =>
    (await registry.getSingleMetric('streamtally_aggregator_checkpoint_failures_total')!.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  it('counts a batch, checkpoints its offset with the counts, and resolves it', async () => {
    const { batch, calls } = batchOf([0, 1, 2]);
    await processor().process(batch);
    expect(await counted()).toEqual({ '1': 3 });
    expect(await committedOffset()).toBe(3);
    expect(calls.resolved).toEqual(['2']);
  });

  it('skips records counted before, seeks to where Redis is and commits that to Kafka when the whole batch was counted', async () => {
    const kafkaCommits: string[] = [];
    const p = processor({ commitToKafka: (_topic, _partition, offset) => kafkaCommits.push(offset) });
    await p.process(batchOf([0, 1, 2]).batch);
    // a new owner after a crash: Kafka's committed offset lagged Redis's, and nothing new follows
    const taker = processor({ commitToKafka: (_topic, _partition, offset) => kafkaCommits.push(`taker ${offset}`) });
    const again = batchOf([0, 1], { highWatermark: 3 });
    await taker.process(again.batch);
    expect(again.calls.seeks).toEqual(['3']);
    // Kafka hears the end of the partition even though nothing is left to count
    expect(kafkaCommits).toEqual(['3', 'taker 3']);
    const overlapping = batchOf([2, 3, 4]);
    await taker.process(overlapping.batch);
    expect(await counted()).toEqual({ '1': 5 }); // 2 counted once
    expect(await committedOffset()).toBe(5);
  });

  // a Redis failover can take back the last checkpoint (asynchronous replication): state and
  // offset go back together, and when no record follows, no batch would ever notice
  it('reads a partition again from Redis when a failover took its last checkpoint back, even with no new record', async () => {
    const p = processor();
    await p.process(batchOf([0, 1]).batch);
    await p.process(batchOf([2, 3, 4]).batch);
    const seeks: string[] = [];
    const seek = (topic: string, partition: number, offset: string) => seeks.push(`${topic}:${partition}@${offset}`);
    expect(await p.resync(seek)).toEqual([]); // in step: nothing to do
    // the primary that acknowledged the second checkpoint is gone with it
    const key = state.keys.partition(TOPIC, 0);
    await redis.hset(key, 'offset', '2');
    await redis.hset(state.keys.positions('total'), `${TOPIC}:0`, '2'); // the job's position went back with it
    await redis.hincrby(state.keys.window('total', 0), '1', -3);
    expect(await p.resync(seek)).toEqual([`${TOPIC}:0`]);
    expect(seeks).toEqual([`${TOPIC}:0@2`]);
    expect(p.ownedCount).toBe(0);
    // what the consumer fetches after the seek: counted again, once
    await p.process(batchOf([2, 3, 4]).batch);
    expect(await counted()).toEqual({ '1': 5 });
    expect(await committedOffset()).toBe(5);
    expect(await p.resync(seek)).toEqual([]);
  });

  it('lets go of a partition another instance has taken (a newer epoch), without seeking', async () => {
    const p = processor();
    await p.process(batchOf([0, 1]).batch);
    await processor().process(batchOf([2]).batch); // the new owner
    const seeks: string[] = [];
    expect(await p.resync((topic, partition, offset) => seeks.push(`${topic}:${partition}@${offset}`))).toEqual([]);
    expect(seeks).toEqual([]);
    expect(p.ownedCount).toBe(0);
  });

  it('goes back once to where Redis is when Kafka starts past it, then counts past a real gap', async () => {
    const p = processor();
    await p.process(batchOf([0, 1]).batch);
    const p2 = processor(); // a new owner after a rebalance, Kafka ahead of Redis
    const ahead = batchOf([5, 6]);
    await p2.process(ahead.batch);
    expect(ahead.calls.seeks).toEqual(['2']);
    expect(await counted()).toEqual({ '1': 2 });
    const gap = batchOf([5, 6]); // offsets 2-4 are gone (retention): counted past them
    await p2.process(gap.batch);
    expect(await counted()).toEqual({ '1': 4 });
    expect(await committedOffset()).toBe(7);
  });

  it('a fenced owner (a newer epoch took the partition) writes nothing and lets go', async () => {
    const old = processor();
    await old.process(batchOf([0]).batch);
    const newer = processor();
    await newer.process(batchOf([1]).batch);
    const stale = batchOf([1, 2]); // what it would count next, had it still owned the partition
    await old.process(stale.batch);
    expect(await failures('fenced')).toBe(1);
    expect(old.ownedCount).toBe(0);
    // handed on (the fetch read on), then refused: read again from where it was counted from
    expect(stale.calls.resolved).toEqual(['2']);
    expect(stale.calls.seeks).toEqual(['1']);
    expect(await counted()).toEqual({ '1': 2 });
    expect(await committedOffset()).toBe(2);
  });

  it('a checkpoint Redis cannot take is retried until it can: nothing lost, nothing twice', async () => {
    const p = processor();
    await p.process(batchOf([0]).batch);
    let refusals = 2;
    const realCheckpoint = state.checkpoint.bind(state);
    state.checkpoint = async (request) => {
      if (refusals-- > 0) throw new Error('Connection is closed.');
      return realCheckpoint(request);
    };
    const { batch, calls } = batchOf([1, 2]);
    await p.process(batch);
    expect(await failures('error')).toBe(2);
    expect(calls.heartbeats).toBeGreaterThanOrEqual(3); // kept the group membership while retrying
    expect(await counted()).toEqual({ '1': 3 });
    expect(calls.resolved).toEqual(['2']);
  });

  it('when Redis has counted past the end of the log (topic recreated), pauses the partition instead of seeking forever', async () => {
    let now = 1_000;
    const p = processor({ now: () => now });
    await p.process(batchOf([0, 1, 2, 3, 4]).batch);
    const recreated = batchOf([0, 1], { highWatermark: 2 });
    await p.process(recreated.batch);
    expect(recreated.calls.seeks).toEqual([]);
    expect(recreated.calls.paused).toBe(1);
    expect(await failures('past_log_end')).toBe(1);
    expect(await counted()).toEqual({ '1': 5 }); // the old counts untouched
    now += 60_000;
    expect(p.stalledPartitions(30_000)).toEqual([`${TOPIC}:0`]);
  });

  it('a batch whose checkpoint gets no answer is a stalled partition (a hung Redis is not healthy)', async () => {
    let now = 1_000;
    const p = processor({ now: () => now });
    let answer: (outcome: 'OK') => void = () => {};
    state.checkpoint = () => new Promise((resolve) => (answer = resolve));
    const processing = p.process(batchOf([0, 1]).batch);
    await waitFor(() => p.ownedCount === 1, { what: 'the partition taken' });
    now += 20_000;
    expect(p.stalledPartitions(30_000)).toEqual([]);
    now += 20_000;
    expect(p.stalledPartitions(30_000)).toEqual([`${TOPIC}:0`]);
    answer('OK');
    await processing;
    expect(p.stalledPartitions(30_000)).toEqual([]);
  });

  /** Counting held until the function returned is called: it waits in readClosed, the first thing a count reads. */
  function heldCounting(): () => void {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const readClosed = state.readClosed.bind(state);
    state.readClosed = async (jobIds) => {
      await held;
      return readClosed(jobIds);
    };
    return () => release();
  }

  /** A checkpoint that waits for `release` when it starts at `heldFrom`, and records what it and the counting did, in order. */
  function heldCheckpoint(heldFrom: string) {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const readClosed = state.readClosed.bind(state);
    state.readClosed = (jobIds) => {
      order.push('count');
      return readClosed(jobIds);
    };
    const realCheckpoint = state.checkpoint.bind(state);
    const checkpoint = async (request: Parameters<typeof realCheckpoint>[0]) => {
      order.push(`apply from ${request.fromOffset}`);
      if (request.fromOffset === heldFrom) await held;
      const outcome = await realCheckpoint(request);
      order.push(`${outcome} from ${request.fromOffset}`);
      return outcome;
    };
    return { order, held, release: () => release(), checkpoint };
  }

  it('counts the next batch while the one before is applied, and applies it after that: every record once', async () => {
    const { order, release, checkpoint } = heldCheckpoint('0');
    const p = handingOn({ checkpoint });
    const first = batchOf([0, 1]);
    await p.process(first.batch); // handed on: its checkpoint waits
    expect(first.calls.resolved).toEqual(['1']); // the fetch reads on meanwhile
    const handingSecond = p.process(batchOf([2, 3, 4]).batch);
    await waitFor(() => order.length === 3, { what: 'the second batch counted' });
    expect(order).toEqual(['count', 'apply from 0', 'count']);
    release();
    await handingSecond;
    await p.settle();
    expect(order).toEqual(['count', 'apply from 0', 'count', 'OK from 0', 'apply from 2', 'OK from 2']);
    expect(await counted()).toEqual({ '1': 5 });
    expect(await committedOffset()).toBe(5);
  });

  it.each([
    ['not applied (Redis away)', false],
    ['applied, its reply lost', true],
  ])('a batch counted ahead of a checkpoint that failed, %s, is counted again from where Redis is: every record once', async (_, applied) => {
    const { order, held, release, checkpoint } = heldCheckpoint('0');
    let toFail = 1;
    const failingOnce = async (request: Parameters<typeof checkpoint>[0]) => {
      if (request.fromOffset !== '0' || toFail-- <= 0) return checkpoint(request);
      await (applied ? checkpoint(request) : held);
      throw new Error('Connection is closed.');
    };
    const p = handingOn({ checkpoint: failingOnce });
    await p.process(batchOf([0, 1]).batch);
    const handingSecond = p.process(batchOf([2, 3, 4]).batch);
    await waitFor(() => order.filter((o) => o === 'count').length === 2, { what: 'the second batch counted ahead' });
    release();
    await handingSecond;
    await p.settle();
    expect(await counted()).toEqual({ '1': 5 });
    expect(await committedOffset()).toBe(5);
    expect(await failures('error')).toBe(1);
  });

  it('a batch counted ahead of a checkpoint refused for good (a newer owner) is not applied; the fetch goes back to where it was counted from', async () => {
    const { order, release, checkpoint } = heldCheckpoint('0');
    const old = handingOn({ checkpoint });
    const first = batchOf([0, 1]);
    await old.process(first.batch);
    await processor().process(batchOf([0, 1, 2]).batch); // a newer owner meanwhile counted 0-2
    const handingSecond = old.process(batchOf([2, 3]).batch);
    // counted: the first batch, the newer owner's, the second batch ahead
    await waitFor(() => order.filter((o) => o === 'count').length === 3, { what: 'the second batch counted ahead' });
    release();
    await handingSecond;
    await old.settle();
    expect(await failures('fenced')).toBe(1);
    expect(first.calls.seeks).toEqual(['0']);
    // the second batch counted again once the partition was taken afresh: 3 counted once, 2 not again
    expect(await counted()).toEqual({ '1': 4 });
    expect(await committedOffset()).toBe(4);
  });

  it('returns before its batch is counted, so the next fetch runs meanwhile; what a batch ended with is thrown once, by a later one', async () => {
    const release = heldCounting();
    const p = handingOn();
    const first = batchOf([0, 1]);
    await p.process(first.batch);
    expect(first.calls.resolved).toEqual(['1']); // the next fetch reads on past it
    expect(await counted()).toEqual({}); // not counted yet
    release();
    // a batch applied, then told by its heartbeat that the group rebalances
    const rebalancing = batchOf([2]);
    rebalancing.batch.heartbeat = async () => {
      throw new Error('The group is rebalancing');
    };
    await p.process(rebalancing.batch);
    await p.process(batchOf([3]).batch); // counted after it: finds the failure, so goes no further
    await expect(p.process(batchOf([3, 4]).batch)).rejects.toThrow('The group is rebalancing');
    await p.process(batchOf([5]).batch); // thrown once only
    await p.settle();
    expect(await counted()).toEqual({ '1': 6 });
    expect(await committedOffset()).toBe(6);
  });

  it('does not count a batch fetched before a rebalance once the rebalance has come', async () => {
    const release = heldCounting();
    const p = handingOn();
    await p.process(batchOf([0, 1]).batch); // being counted (it started before the rebalance)
    const second = p.process(batchOf([2, 3]).batch); // waits its turn
    p.resetOwnership(); // a rebalance: the partition may be another instance's now
    release();
    await second;
    await p.settle();
    expect(await counted()).toEqual({ '1': 2 });
    expect(await committedOffset()).toBe(2);
  });

  it('a consumer that is closing processes nothing', async () => {
    const { batch, calls } = batchOf([0, 1], { running: () => false });
    await processor().process(batch);
    expect(calls.resolved).toEqual([]);
    expect(await counted()).toEqual({});
  });
});
