import Redis from 'ioredis';
import { RedisState } from '../../src/state/redis-state';
import type { WindowDelta } from '../../src/windowing/batch-aggregator';
import type { CellSpec } from '../../src/state/state-encoding';
import { rowsOf } from '../support/cell-rows';
import { delta, eachWithRedisState } from '../support/redis-state';

describe('RedisState.retire against a real Redis', () => {
  let redis: Redis;
  let state: RedisState;
  eachWithRedisState('retire', (r, s) => {
    redis = r;
    state = s;
  });

  /** Offsets from..from + 1 of partition 0 of `t` as one batch of job g's windows. */
  async function batch(from: number, deltas: WindowDelta[], writtenAt?: number, cells?: Map<string, CellSpec[]>) {
    const own = await state.acquire('t', 0, '0');
    const closedSeen = new Map([['g', '']]);
    return state.checkpoint({
      topic: 't',
      partition: 0,
      now: 1,
      closedSeen,
      epoch: own.epoch,
      fromOffset: String(from),
      toOffset: String(from + 1),
      maxTs: 1,
      writtenAt,
      deltas,
      cells,
    });
  }

  it('retires more windows than one script call takes: every one leaves the open set, its pending time and version, and every key of it expires', async () => {
    const starts = Array.from({ length: 1234 }, (_, i) => i * 1000);
    // a job with cells: each window's counts and cells in one hash
    const cells = [{ name: 'users.hll', op: 'hll' as const }];
    const withUsers = (start: number) => ({ ...delta('g', start, { ORD: 1, 'x|y': 2 }), cells: rowsOf([new Map([['x|y', new Set(['a', 'b'])]])]) });
    expect(await batch(0, starts.map(withUsers), 5, new Map([['g', cells]]))).toBe('OK');
    // and a HyperLogLog per window, as a stats job leaves them past SMALL_SET_MAX (the script does not care how they came)
    const hll = (start: number) => state.keys.setOf('g', start, 'users.hll', 'x|y');
    for (const start of starts) await redis.pfadd(hll(start), 'a', 'b');
    const kept = 7000; // one more window, not retired: it keeps everything
    expect(await batch(1, [withUsers(kept * 1000)], 9, new Map([['g', cells]]))).toBe('OK');

    await state.retire(
      'g',
      starts.map((windowStart) => ({ windowStart, hyperLogLogs: ['users.hll|x|y'] })),
      cells,
    );

    expect(await redis.zrange(state.keys.open('g'), 0, -1)).toEqual([String(kept * 1000)]);
    expect(await redis.hkeys(state.keys.pending('g'))).toEqual([String(kept * 1000)]);
    expect(await redis.hkeys(state.keys.versions('g'))).toEqual([String(kept * 1000)]);
    const ttls = await Promise.all(starts.flatMap((start) => [state.keys.cells('g', start), hll(start)].map((key) => redis.ttl(key))));
    expect(ttls.filter((ttl) => !(ttl > 0 && ttl <= 60))).toEqual([]);
    expect(await redis.exists(state.keys.window('g', 0))).toBe(0); // no counts hash of its own
    expect(await redis.ttl(state.keys.cells('g', kept * 1000))).toBe(-1);
    // the values stay readable until they expire: each key's count, then its cells
    expect(await redis.hgetall(state.keys.cells('g', 0))).toEqual({ ORD: '1:10:', 'x|y': '1:26:1:a1:b' });
  });

  it('retires a count-only job without cells: its counts expire, nothing else is made', async () => {
    expect(await batch(0, [delta('g', 0, { a: 1 })])).toBe('OK');
    await state.retire('g', [{ windowStart: 0, hyperLogLogs: [] }]);
    expect(await redis.ttl(state.keys.window('g', 0))).toBeGreaterThan(0);
    expect(await redis.exists(state.keys.cells('g', 0))).toBe(0);
    expect(await redis.zcard(state.keys.open('g'))).toBe(0);
  });
});
