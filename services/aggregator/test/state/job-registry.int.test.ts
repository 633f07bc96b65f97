import Redis from 'ioredis';
import { testRedisUrl, uniqueName } from '@streamtally/test-support';
import { JobRegistry, stateIdOf } from '../../src/state/job-registry';
import { RedisState } from '../../src/state/redis-state';

describe('JobRegistry and per-job positions against a real Redis', () => {
  let redis: Redis;
  let registry: JobRegistry;
  let state: RedisState;
  let namespace: string;
  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    namespace = uniqueName('ns');
    registry = new JobRegistry(redis, namespace);
    state = new RedisState(redis, namespace, 60);
  });
  afterEach(async () => {
    const keys = await redis.keys(state.keys.pattern);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const job = (fingerprint: string) => ({ name: 'g', fingerprint, source: 't' });
  const start = (offsets: string[], partial = false) => ({ offsets, partial });

  it('a new job starts at the given offsets; the same definition again keeps its generation and where it got to', async () => {
    expect(await registry.register(job('aaa'), start(['0', '5']), 1)).toEqual({ generation: 1, status: 'new' });
    expect(await state.jobPositions(['g'], 't', 1)).toEqual(new Map([['g', { offset: '5', maxTs: -Infinity }]]));
    await redis.hset(state.keys.positions('g'), 't:1', '42');
    expect(await registry.register(job('aaa'), start(['0', '0']), 2)).toEqual({ generation: 1, status: 'same' });
    expect((await state.jobPositions(['g'], 't', 1)).get('g')!.offset).toBe('42');
  });

  it('a changed definition starts the next generation under its own state name, from the given offsets, the old one to retire', async () => {
    await registry.register(job('aaa'), start(['0']), 1);
    await redis.hset(state.keys.positions('g'), 't:0', '42');
    expect(await registry.register(job('bbb'), start(['3'], true), 2)).toEqual({ generation: 2, status: 'changed', previous: 'g' });
    expect(stateIdOf('g', 2)).toBe('g~g2');
    expect((await state.jobPositions(['g~g2', 'g'], 't', 0)).get('g~g2')!.offset).toBe('3');
    expect((await registry.registered()).get('g')).toEqual({ fingerprint: 'bbb', generation: 2, since: 2, retiring: 'g', replaced: 'aaa', partial: true });
    await registry.retired('g', 'g');
    expect((await registry.registered()).get('g')!.retiring).toBeUndefined();
  });

  it('the definition a generation still catching up replaced is stale (a copy of the old jobs file in a rolling deploy): nothing changes; recompute, or the new one live, lets it back', async () => {
    await registry.register(job('aaa'), start(['0']), 1);
    expect(await registry.register(job('bbb'), start(['0']), 2)).toMatchObject({ generation: 2, status: 'changed' });
    expect(await registry.register(job('aaa'), start(['0']), 3)).toEqual({ generation: 2, status: 'stale' });
    expect((await registry.registered()).get('g')).toMatchObject({ fingerprint: 'bbb', generation: 2, retiring: 'g', replaced: 'aaa' });
    // a third definition is a change as ever
    expect(await registry.register(job('ccc'), start(['0']), 4)).toMatchObject({ generation: 3, status: 'changed', previous: 'g~g2', older: 'g' });
    expect(await registry.register(job('bbb'), start(['0']), 5)).toEqual({ generation: 3, status: 'stale' });
    // recompute goes back on purpose
    expect(await registry.register(job('bbb'), start(['0']), 6, { recompute: true })).toMatchObject({ generation: 4, status: 'changed' });
    // once the replaced generation is removed, the old definition is a change back
    await registry.retired('g', 'g~g3');
    expect((await registry.registered()).get('g')).toEqual({ fingerprint: 'bbb', generation: 4, since: 6 });
    expect(await registry.register(job('ccc'), start(['0']), 7)).toMatchObject({ generation: 5, status: 'changed' });
  });

  it('a job with state from before registrations is adopted: its positions are where every job was (the partitions offsets)', async () => {
    await redis.set(state.keys.closed('g'), '1000');
    await redis.hset(state.keys.partition('t', 0), 'offset', '17', 'maxTs', '999');
    expect(await registry.register(job('aaa'), start(['0', '0']), 1)).toEqual({ generation: 1, status: 'adopted' });
    expect(await state.jobPositions(['g'], 't', 0)).toEqual(new Map([['g', { offset: '17', maxTs: 999 }]]));
    expect((await state.jobPositions(['g'], 't', 1)).get('g')!.offset).toBe('0'); // never counted there
  });

  it("removes one generation's state and nothing of another's", async () => {
    await redis.hset(state.keys.window('g', 1000), 'x', '1');
    await redis.hset(state.keys.cells('g', 1000), 'sum|x', '1');
    await redis.zadd(state.keys.open('g'), 2000, '1000');
    await redis.hset(state.keys.window('g~g2', 1000), 'x', '1');
    await redis.hset(state.keys.window('g-other', 1000), 'x', '1');
    expect(await registry.removeState('g')).toBe(3);
    expect(await redis.keys(`st:{${namespace}}:*`)).toEqual(expect.arrayContaining([state.keys.window('g~g2', 1000), state.keys.window('g-other', 1000)]));
    expect(await redis.exists(state.keys.window('g', 1000), state.keys.open('g'))).toBe(0);
  });

  describe("a job's own position in the checkpoint", () => {
    const base = { topic: 't', partition: 0, now: 1, maxTs: 50, deltas: [] };

    it('the live reader moves the jobs it counts; one it skipped that has meanwhile reached the batch makes it count again (JOBS)', async () => {
      const own = await state.acquire('t', 0, '20');
      await redis.hset(state.keys.positions('late'), 't:0', '5');
      const closedSeen = new Map([
        ['g', ''],
        ['late', ''],
      ]);
      const live = { ...base, closedSeen, epoch: own.epoch, from: new Map([['late', 'skip']]) };
      // behind: the catch-up reader has it; the live reader moves past without it
      expect(await state.checkpoint({ ...live, fromOffset: '20', toOffset: '30' })).toBe('OK');
      expect(await state.jobPositions(['g', 'late'], 't', 0)).toEqual(
        new Map([
          ['g', { offset: '30', maxTs: 50 }],
          ['late', { offset: '5', maxTs: -Infinity }],
        ]),
      );
      // caught up to inside the next batch meanwhile: refused, counted again with it
      await redis.hset(state.keys.positions('late'), 't:0', '35');
      expect(await state.checkpoint({ ...live, fromOffset: '30', toOffset: '40' })).toBe('JOBS');
      expect(await state.checkpoint({ ...live, from: new Map([['late', '35']]), fromOffset: '30', toOffset: '40' })).toBe('OK');
      expect(await state.jobPositions(['g', 'late'], 't', 0)).toEqual(
        new Map([
          ['g', { offset: '40', maxTs: 50 }],
          ['late', { offset: '40', maxTs: 50 }],
        ]),
      );
    });

    it('the catch-up reader moves only the jobs it counts, compared first, and never the partition', async () => {
      await state.acquire('t', 0, '0');
      await redis.hset(state.keys.partition('t', 0), 'offset', '100');
      await redis.hset(state.keys.positions('late'), 't:0', '30');
      const catchUp = { ...base, closedSeen: new Map([['late', '']]), epoch: '', fromOffset: '30', toOffset: '60' };
      expect(await state.checkpoint({ ...catchUp, from: new Map([['late', '20']]) })).toBe('JOBS'); // a stale reader
      expect(await state.checkpoint({ ...catchUp, from: new Map([['late', '30']]) })).toBe('OK');
      expect((await state.jobPositions(['late'], 't', 0)).get('late')!.offset).toBe('60');
      expect(await redis.hget(state.keys.partition('t', 0), 'offset')).toBe('100');
      // the same batch again (a zombie, a retry after a lost reply): refused, counted once
      expect(await state.checkpoint({ ...catchUp, from: new Map([['late', '30']]) })).toBe('JOBS');
    });
  });
});
