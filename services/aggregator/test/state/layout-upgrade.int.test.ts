import Redis from 'ioredis';
import { upgradeLayouts } from '../../src/state/layout-upgrade';
import { RedisState } from '../../src/state/redis-state';
import type { WindowDelta } from '../../src/windowing/batch-aggregator';
import { rowsOf } from '../support/cell-rows';
import { openWindows } from '../support/open-windows';
import { delta, eachWithRedisState } from '../support/redis-state';

/** A job's open windows brought to the current layout at start, and the job marked so that nothing looks for an older one again. */
describe('upgradeLayouts against a real Redis', () => {
  let redis: Redis;
  let state: RedisState;
  eachWithRedisState('layout', (r, s) => {
    redis = r;
    state = s;
  });

  const cells = [
    { name: 'fare.sum', op: 'incr' as const },
    { name: 'delay.max', op: 'max' as const },
  ];
  const jobs = [
    { stateId: 'g', cells },
    { stateId: 'c', cells: [] },
  ];

  /** A window of job g as sessions 24 to 27 kept it: counts beside cells packed without a count. */
  async function olderWindow(start: number): Promise<void> {
    await redis.hset(state.keys.window('g', start), { ORD: 3, LAX: 1 });
    await redis.hset(state.keys.cells('g', start), { ORD: '4:10502:-3' });
    await redis.zadd(state.keys.open('g'), start + 1000, String(start));
  }

  const batch = async (from: number, deltas: WindowDelta[]) =>
    state.checkpoint({
      topic: 't',
      partition: 0,
      now: 1,
      closedSeen: new Map([['g', '']]),
      epoch: (await state.acquire('t', 0, '0')).epoch,
      fromOffset: String(from),
      toOffset: String(from + 1),
      maxTs: 1,
      deltas,
      cells: new Map([['g', cells]]),
    });

  it("upgrades every open window of a job with cells (more than one call's worth), marks the job, and leaves a count-only job alone", async () => {
    const starts = Array.from({ length: 450 }, (_, i) => i * 1000);
    for (const start of starts) await olderWindow(start);
    await redis.hset(state.keys.cellsBefore24('g', 0), { 'fare.sum|ORD': '1050', 'delay.max|ORD': '-3' }); // and one from before session 24
    await redis.hdel(state.keys.cells('g', 0), 'ORD');
    await redis.hset(state.keys.window('c', 0), { x: 2 });
    await redis.zadd(state.keys.open('c'), 1000, '0');

    expect(await upgradeLayouts(redis, state.keys, jobs)).toBe(450);

    expect(await redis.get(state.keys.layout('g'))).toBe('28');
    expect(await redis.exists(state.keys.layout('c'))).toBe(0);
    expect(await redis.exists(...starts.map((s) => state.keys.window('g', s)))).toBe(0);
    expect(await redis.exists(state.keys.cellsBefore24('g', 0))).toBe(0);
    const read = await openWindows(state, 'g', cells);
    expect(read).toHaveLength(450);
    expect(new Set(read.map((w) => JSON.stringify([w.counts, w.cells])))).toEqual(
      new Set([JSON.stringify([{ ORD: 3, LAX: 1 }, [{ ORD: 1050 }, { ORD: -3 }]])]),
    );
    expect(await redis.hgetall(state.keys.window('c', 0))).toEqual({ x: '2' });
  });

  it('once a job is marked, neither a checkpoint nor a read looks for an older layout, and upgrading again does nothing', async () => {
    expect(await upgradeLayouts(redis, state.keys, jobs)).toBe(0); // nothing open: marked straight away
    expect(await redis.get(state.keys.layout('g'))).toBe('28');
    // counts only an older aggregator still running would write (the README: stop them all first)
    await redis.hset(state.keys.window('g', 0), { ORD: 3, LAX: 1 });
    await redis.zadd(state.keys.open('g'), 1000, '0');
    expect(await upgradeLayouts(redis, state.keys, jobs)).toBe(0);
    expect(await batch(0, [{ ...delta('g', 0, { ORD: 1 }), cells: rowsOf([new Map([['ORD', 5]]), new Map([['ORD', 9]])]) }])).toBe('OK');
    expect(await redis.hgetall(state.keys.window('g', 0))).toEqual({ ORD: '3', LAX: '1' }); // not looked at
    const [window] = await openWindows(state, 'g', cells);
    expect(window!.counts).toEqual({ ORD: 1 });
    expect(window!.cells).toEqual([{ ORD: 5 }, { ORD: 9 }]);
  });

  it('an unmarked job still upgrades each window as a checkpoint meets it', async () => {
    await olderWindow(0);
    expect(await batch(0, [{ ...delta('g', 0, { ORD: 1 }), cells: rowsOf([new Map([['ORD', 5]]), new Map([['ORD', 9]])]) }])).toBe('OK');
    const [window] = await openWindows(state, 'g', cells);
    expect(window).toMatchObject({ counts: { ORD: 4, LAX: 1 }, cells: [{ ORD: 1055 }, { ORD: 9 }] });
  });
});
