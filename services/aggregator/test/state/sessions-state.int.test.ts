import Redis from 'ioredis';
import { SMALL_SET_MAX } from '../../src/state/cell-scripts';
import { RedisState } from '../../src/state/redis-state';
import type { WindowDelta } from '../../src/windowing/batch-aggregator';
import { openWindows } from '../support/open-windows';
import { eachWithRedisState } from '../support/redis-state';

const GAP = 100;
const cells = [
  { name: 'amount.sum', op: 'incr' as const },
  { name: 'amount.max', op: 'max' as const },
  { name: 'page.distinct', op: 'hll' as const },
];

/** One key's session as a batch saw it: [first, last + GAP), `n` events, their cells. */
function session(key: string, first: number, last: number, n: number, sum: number, max: number, pages: string[]): WindowDelta {
  return {
    job: 's',
    windowStart: first,
    windowEnd: last + GAP,
    sessionKey: key,
    counts: new Map([[key, n]]),
    cells: new Map([[key, [sum, max, new Set(pages)]]]),
  };
}

describe('session windows in the checkpoint script, against a real Redis', () => {
  let redis: Redis;
  let state: RedisState;
  let offset = 0;
  eachWithRedisState('ns', (r, s) => {
    redis = r;
    state = s;
  });
  beforeEach(() => {
    offset = 0;
  });

  /** One batch of partition 0 (the catch-up reader's form: no partition fence needed here). */
  async function batch(...deltas: WindowDelta[]) {
    const from = offset;
    offset += 1;
    return state.checkpoint({
      topic: 't',
      partition: 0,
      epoch: '',
      fromOffset: String(from),
      toOffset: String(offset),
      maxTs: 1,
      now: 1,
      closedSeen: new Map([['s', '']]),
      from: new Map([['s', from === 0 ? '' : String(from)]]),
      deltas,
      cells: new Map([['s', cells]]),
      gaps: new Map([['s', GAP]]),
    });
  }
  const open = async () =>
    (await openWindows(state, 's', cells)).map((w) => ({
      start: w.windowStart,
      end: w.windowEnd,
      key: w.sessionKey,
      counts: w.counts,
      sum: w.cells[0],
      max: w.cells[1],
      pages: w.cells[2],
    }));

  it('keeps each key its own sessions, extends one its next batch reaches, and starts another after the gap', async () => {
    expect(await batch(session('ann', 1000, 1050, 2, 30, 20, ['a', 'b']), session('bob', 1000, 1000, 1, 5, 5, ['a']))).toBe('OK');
    // ann's next events: 1120 is within the gap of 1050 (extends), 1300 is not (a new session)
    expect(await batch(session('ann', 1120, 1120, 1, 7, 7, ['c']), session('ann', 1300, 1310, 2, 2, 1, ['a']))).toBe('OK');
    expect(await open()).toEqual([
      { start: 1000, end: 1100, key: 'bob', counts: { bob: 1 }, sum: { bob: 5 }, max: { bob: 5 }, pages: { bob: 1 } },
      { start: 1000, end: 1220, key: 'ann', counts: { ann: 3 }, sum: { ann: 37 }, max: { ann: 20 }, pages: { ann: 3 } },
      { start: 1300, end: 1410, key: 'ann', counts: { ann: 2 }, sum: { ann: 2 }, max: { ann: 1 }, pages: { ann: 1 } },
    ]);
    expect(await state.mergedSessions('s')).toEqual([]);
  });

  it('merges two sessions a late event bridges into the earlier one, and notes the later one for retraction', async () => {
    await batch(session('ann', 1000, 1050, 2, 30, 20, ['a', 'b']));
    await batch(session('ann', 1200, 1260, 3, 9, 40, ['b', 'c']));
    await batch(session('ann', 1280, 1280, 1, 1, 1, ['d']));
    // versions: the first session changed once, the second twice
    const before = await open();
    expect(before.map((w) => [w.start, w.end])).toEqual([
      [1000, 1150],
      [1200, 1380],
    ]);
    // 1120 is within the gap of both 1050 (before) and 1200 (after): one session from 1000 to 1380
    expect(await batch(session('ann', 1120, 1120, 1, 100, 5, ['e']))).toBe('OK');
    expect(await open()).toEqual([{ start: 1000, end: 1380, key: 'ann', counts: { ann: 7 }, sum: { ann: 140 }, max: { ann: 40 }, pages: { ann: 5 } }]);
    const [merged] = await openWindows(state, 's', cells);
    expect(merged!.changes).toBe(2); // its own two changes: the merge and the first batch
    expect(await state.mergedSessions('s')).toEqual([{ windowStart: 1200, sessionKey: 'ann', into: 1000, changes: 2, windowEnd: 1380 }]);
    // the later session's keys are gone: no state is left behind by a merge
    expect(await redis.keys(`${state.keys.window('s', '1200|ann')}*`)).toEqual([]);
    expect(await redis.exists(state.keys.cells('s', '1200|ann'))).toBe(0);
    await state.forgetMerged('s', [{ windowStart: 1200, sessionKey: 'ann' }]);
    expect(await state.mergedSessions('s')).toEqual([]);
  });

  it('merges a set kept as a HyperLogLog (past SMALL_SET_MAX) into an exact one: the merged session counts the union, the later one leaves nothing behind', async () => {
    const many = Array.from({ length: SMALL_SET_MAX + 8 }, (_, i) => `p${i}`);
    await batch(session('ann', 1000, 1050, 3, 1, 1, ['a', 'b', 'p0']));
    await batch(session('ann', 1200, 1260, many.length, 1, 1, many));
    expect((await open()).map((w) => w.pages)).toEqual([{ ann: 3 }, { ann: many.length }]);
    expect(await redis.exists(state.keys.setOf('s', '1200|ann', 'page.distinct', 'ann'))).toBe(1);
    expect(await batch(session('ann', 1120, 1120, 1, 1, 1, ['c']))).toBe('OK');
    const [merged] = await open();
    // a, b, c and the 40 p's (p0 in both): 43, estimated by a HyperLogLog now
    expect(Math.abs((merged!.pages!.ann as number) - (many.length + 3))).toBeLessThanOrEqual(1);
    expect(await redis.exists(state.keys.setOf('s', '1000|ann', 'page.distinct', 'ann'))).toBe(1);
    expect(await redis.keys(`${state.keys.window('s', '1200|ann')}*`)).toEqual([]);
  });

  it('merges sessions whose cells an aggregator before session 24 wrote (a field per cell and key)', async () => {
    const older = async (start: number, end: number, count: number, sum: string, max: string, pages: string) => {
      const name = `${start}|ann`;
      await redis.hset(state.keys.window('s', name), 'ann', count);
      await redis.hset(state.keys.cellsBefore24('s', name), { 'amount.sum|ann': sum, 'amount.max|ann': max, 'page.distinct|ann': pages });
      await redis.zadd(state.keys.open('s'), end, name);
      await redis.hset(state.keys.versions('s'), name, '1');
    };
    await older(1000, 1150, 2, '30', '20', '1:a1:b');
    await older(1200, 1380, 3, '9', '40', '1:b1:c');
    await redis.hset(state.keys.sessions('s'), 'ann', '1000 1150 1200 1380');
    expect(await batch(session('ann', 1120, 1120, 1, 100, 5, ['e']))).toBe('OK');
    expect(await open()).toEqual([{ start: 1000, end: 1380, key: 'ann', counts: { ann: 6 }, sum: { ann: 139 }, max: { ann: 40 }, pages: { ann: 4 } }]);
    expect(await redis.keys(`${state.keys.window('s', '1200|ann')}*`)).toEqual([]);
    const gone = [state.keys.cellsBefore24('s', '1000|ann'), state.keys.cellsBefore24('s', '1200|ann'), state.keys.cells('s', '1200|ann')];
    expect(await redis.exists(...gone)).toBe(0);
  });

  it('moves every session into an earlier start a batch brings (the earliest start names the session)', async () => {
    await batch(session('k|with bar', 500, 520, 1, 1, 1, ['x']));
    expect(await batch(session('k|with bar', 450, 460, 1, 2, 9, ['y']))).toBe('OK');
    expect(await open()).toEqual([
      { start: 450, end: 620, key: 'k|with bar', counts: { 'k|with bar': 2 }, sum: { 'k|with bar': 3 }, max: { 'k|with bar': 9 }, pages: { 'k|with bar': 2 } },
    ]);
    expect((await state.mergedSessions('s')).map((m) => [m.windowStart, m.sessionKey, m.into])).toEqual([[500, 'k|with bar', 450]]);
  });

  it('closes sessions by their end, and retiring one removes it from its key: a later session of the key starts fresh', async () => {
    await batch(session('ann', 1000, 1000, 1, 1, 1, ['a']), session('bob', 1000, 1400, 2, 1, 1, ['a']));
    expect(await state.close('s', 1200)).toEqual([{ windowStart: 1000, sessionKey: 'ann', windowEnd: 1100 }]);
    await state.retire('s', [{ windowStart: 1000, sessionKey: 'ann', hyperLogLogs: [] }], cells);
    expect(await redis.hget(state.keys.sessions('s'), 'ann')).toBeNull();
    expect(await redis.hget(state.keys.sessions('s'), 'bob')).toBe('1000 1500');
    // the closed point moved to ann's end: a batch read before it is refused
    expect(await batch(session('ann', 1300, 1300, 1, 1, 1, ['a']))).toBe('CLOSED');
  });
});
