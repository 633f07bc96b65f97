import Redis from 'ioredis';
import { RedisState } from '../../src/state/redis-state';
import { openWindows } from '../support/open-windows';
import { delta, eachWithRedisState } from '../support/redis-state';

// A batch is counted against each job's closed point as read before: what the checkpoint
// script takes and refuses once that point has moved (state/scripts.ts, CHECKPOINT_BATCH).
describe('closed points in the checkpoint, against a real Redis', () => {
  let redis: Redis;
  let state: RedisState;
  eachWithRedisState('ns', (r, s) => {
    redis = r;
    state = s;
  });

  const base = { topic: 't', partition: 0, now: 1, closedSeen: new Map([['g', '']]) };

  it('refuses a batch counted against a closed point that has moved since', async () => {
    const own = await state.acquire('t', 0, '0');
    const closedSeen = await state.readClosed(['g']);
    expect(
      await state.checkpoint({
        ...base,
        closedSeen,
        epoch: own.epoch,
        fromOffset: '0',
        toOffset: '1',
        maxTs: 2500,
        deltas: [delta('g', 1000, { a: 1 }), delta('g', 2000, { a: 1 })],
      }),
    ).toBe('OK');
    expect(await state.close('g', 2000)).toEqual([{ windowStart: 1000, windowEnd: 2000 }]);
    expect(
      await state.checkpoint({ ...base, closedSeen, epoch: own.epoch, fromOffset: '1', toOffset: '2', maxTs: 2500, deltas: [delta('g', 1000, { a: 1 })] }),
    ).toBe('CLOSED');
    expect((await state.withState('g', [{ windowStart: 1000 }]))[0]!.counts).toEqual({ a: 1 });
  });

  it('takes a batch counted against an older closed point when it touches no window closed since', async () => {
    const own = await state.acquire('t', 0, '0');
    const closedSeen = await state.readClosed(['g']); // none closed yet
    const first = { ...base, closedSeen, epoch: own.epoch, fromOffset: '0', toOffset: '1', maxTs: 2500, deltas: [delta('g', 1000, { a: 1 })] };
    expect(await state.checkpoint(first)).toBe('OK');
    expect(await state.close('g', 2000)).toEqual([{ windowStart: 1000, windowEnd: 2000 }]);
    // counted before that close (the closed point it saw is older), into later windows and a running total only
    const later = [delta('g', 2000, { a: 1 }), delta('g', 0, { a: 5 }, null)];
    expect(await state.checkpoint({ ...base, closedSeen, epoch: own.epoch, fromOffset: '1', toOffset: '2', maxTs: 2600, deltas: later })).toBe('OK');
    expect((await state.withState('g', [{ windowStart: 2000 }]))[0]!.counts).toEqual({ a: 1 });
    // one window ending at the new closed point is enough to refuse the whole batch
    const touching = [delta('g', 3000, { a: 1 }), delta('g', 1000, { b: 1 })];
    expect(await state.checkpoint({ ...base, closedSeen, epoch: own.epoch, fromOffset: '2', toOffset: '3', maxTs: 3500, deltas: touching })).toBe('CLOSED');
    // a closed point seen newer than Redis's (a failover took a close back) refuses too
    const ahead = new Map([['g', '9000']]);
    expect(
      await state.checkpoint({
        ...base,
        closedSeen: ahead,
        epoch: own.epoch,
        fromOffset: '2',
        toOffset: '3',
        maxTs: 9500,
        deltas: [delta('g', 9000, { a: 1 })],
      }),
    ).toBe('CLOSED');
    expect((await state.withState('g', [{ windowStart: 3000 }]))[0]!.counts).toEqual({});
  });

  it('moves the closed point only forward, to the end of the newest window it closed; running totals never close', async () => {
    const own = await state.acquire('t', 0, '0');
    await state.checkpoint({
      ...base,
      epoch: own.epoch,
      fromOffset: '0',
      toOffset: '1',
      maxTs: 1,
      deltas: [delta('g', 1000, { a: 1 }), delta('g', 0, { a: 1 }, null)],
    });
    expect(await state.close('g', 5000)).toEqual([{ windowStart: 1000, windowEnd: 2000 }]);
    await state.retire('g', [{ windowStart: 1000, hyperLogLogs: [] }]);
    expect(await state.close('g', 100)).toEqual([]);
    expect((await state.readClosed(['g'])).get('g')).toBe('2000');
    expect(await openWindows(state, 'g')).toEqual([{ windowStart: 0, windowEnd: null, counts: { a: 1 }, cells: [], hyperLogLogs: [], changes: 1 }]);
    expect(await redis.ttl(state.keys.window('g', 1000))).toBeGreaterThan(0);
    expect(await redis.hkeys(state.keys.versions('g'))).toEqual(['0']); // the retired window's version went with it
  });

  it('closes at most about the limit asked, the oldest first, never splitting the windows that end at one time', async () => {
    // sessions of three keys ending at 1100, then two more: their names as the open set holds them
    await redis.zadd(state.keys.open('g'), 1100, '1000|a', 1100, '1000|b', 1100, '1050|c', 2000, '1500|a', 3000, '2500|b');
    const ended = (windows: { windowStart: number; sessionKey?: string; windowEnd: number }[]) =>
      windows.map((w) => `${w.windowStart}|${w.sessionKey}@${w.windowEnd}`);
    expect(ended(await state.close('g', 5000, 2))).toEqual(['1000|a@1100', '1000|b@1100', '1050|c@1100']);
    expect((await state.readClosed(['g'])).get('g')).toBe('1100');
    expect(ended(await state.close('g', 2500, 2))).toEqual(['1000|a@1100', '1000|b@1100', '1050|c@1100']); // open until retired: the oldest again
    await redis.zrem(state.keys.open('g'), '1000|a', '1000|b', '1050|c'); // retired
    expect(ended(await state.close('g', 2500, 2))).toEqual(['1500|a@2000']); // the watermark bounds it too
    expect(ended(await state.close('g', 5000))).toEqual(['1500|a@2000', '2500|b@3000']);
    expect((await state.readClosed(['g'])).get('g')).toBe('3000');
  });

  it('closes only windows ending after a given end when asked: those an emit still writing has closed stay out', async () => {
    await redis.zadd(state.keys.open('g'), 1100, '1000|a', 1100, '1000|b', 2000, '1500|a', 3000, '2500|b', 4000, '3500|c');
    const ended = (windows: { windowStart: number; sessionKey?: string; windowEnd: number }[]) =>
      windows.map((w) => `${w.windowStart}|${w.sessionKey}@${w.windowEnd}`);
    expect(ended(await state.close('g', 3500, 1))).toEqual(['1000|a@1100', '1000|b@1100']);
    expect(ended(await state.close('g', 3500, 1, 1100))).toEqual(['1500|a@2000']);
    expect(ended(await state.close('g', 3500, Infinity, 2000))).toEqual(['2500|b@3000']); // the watermark still bounds it
    expect(await state.close('g', 3500, Infinity, 3000)).toEqual([]);
    expect((await state.readClosed(['g'])).get('g')).toBe('3000');
    expect(await redis.zcard(state.keys.open('g'))).toBe(5); // open until retired
  });

  // regression: an idle job with nothing open used to move its closed point to the
  // watermark, so events replayed later with old timestamps were all judged late
});
