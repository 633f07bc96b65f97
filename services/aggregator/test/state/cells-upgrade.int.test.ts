import Redis from 'ioredis';
import { RedisState } from '../../src/state/redis-state';
import { WindowDelta } from '../../src/windowing/batch-aggregator';
import { openWindows } from '../support/open-windows';
import { delta, eachWithRedisState } from '../support/redis-state';
import { rowsOf } from '../support/cell-rows';

/**
 * Windows whose cells an aggregator before session 24 wrote (a field per cell and key), or
 * before session 28 (counts in a hash of their own beside the packed cells), read and counted
 * into by this one.
 */
describe('cells kept as before session 24 or 28, against a real Redis', () => {
  let redis: Redis;
  let state: RedisState;
  eachWithRedisState('up', (r, s) => {
    redis = r;
    state = s;
  });

  const cells = [
    { name: 'fare.sum', op: 'incr' as const },
    { name: 'delay.max', op: 'max' as const },
    { name: 'users.hll', op: 'hll' as const },
  ];
  const hll = (window: number, key: string) => state.keys.setOf('g', window, 'users.hll', key);

  /** A window as the older aggregator left it: counts, one cell per field, LAX's users in a HyperLogLog. */
  async function olderWindow(start: number): Promise<void> {
    await redis.hset(state.keys.window('g', start), { ORD: 3, LAX: 40, 'a|b': 1 });
    await redis.hset(state.keys.cellsBefore24('g', start), {
      'fare.sum|ORD': '1050',
      'delay.max|ORD': '-3',
      'users.hll|ORD': '1:a3:bé', // é is two bytes
      'users.hll|LAX': '*',
      'fare.sum|a|b': 'overflow',
      'gone.cell|ORD': '9', // a cell the job no longer has
    });
    await redis.pfadd(hll(start, 'LAX'), ...Array.from({ length: 40 }, (_, i) => `u${i}`));
    await redis.zadd(state.keys.open('g'), start + 1000, String(start));
    await redis.hset(state.keys.versions('g'), String(start), '5');
  }

  /** Either older window as it was written, read. */
  const asWritten = {
    counts: { ORD: 3, LAX: 40, 'a|b': 1 },
    cells: [{ ORD: 1050, 'a|b': 'overflow' }, { ORD: -3 }, { ORD: 2, LAX: 40 }],
    hyperLogLogs: ['users.hll|LAX'],
    changes: 5,
  };

  it('reads such a window as it was, and packs it then', async () => {
    await olderWindow(0);
    const [window] = await openWindows(state, 'g', cells);
    expect(window).toMatchObject(asWritten);
    expect(await redis.exists(state.keys.cellsBefore24('g', 0), state.keys.window('g', 0))).toBe(0);
    expect((await redis.hkeys(state.keys.cells('g', 0))).sort()).toEqual(['LAX', 'ORD', 'a|b']);
    expect((await openWindows(state, 'g', cells))[0]).toEqual(window); // read again: the same
  });

  /** A window as an aggregator of sessions 24 to 27 left it: counts, and each key's cells packed without its count. */
  async function packedWindow(start: number): Promise<void> {
    await redis.hset(state.keys.window('g', start), { ORD: 3, LAX: 40, 'a|b': 1 });
    await redis.hset(state.keys.cells('g', start), { ORD: '4:10502:-38:1:a3:bé', LAX: '0:0:1:*', 'a|b': '8:overflow0:0:' });
    await redis.pfadd(hll(start, 'LAX'), ...Array.from({ length: 40 }, (_, i) => `u${i}`));
    await redis.zadd(state.keys.open('g'), start + 1000, String(start));
    await redis.hset(state.keys.versions('g'), String(start), '5');
  }

  const own = () => state.acquire('t', 0, '0');
  const checkpoint = (epoch: string, batch: WindowDelta) =>
    state.checkpoint({
      topic: 't',
      partition: 0,
      now: 1,
      closedSeen: new Map([['g', '']]),
      epoch,
      fromOffset: '0',
      toOffset: '1',
      maxTs: 1,
      deltas: [batch],
      cells: new Map([['g', cells]]),
    });

  it('reads a window of sessions 24 to 27 (counts beside the packed cells) as it was, and keeps its counts among its cells then', async () => {
    await packedWindow(1000);
    const [window] = await openWindows(state, 'g', cells);
    expect(window).toMatchObject(asWritten);
    expect(await redis.exists(state.keys.window('g', 1000))).toBe(0);
    expect(await redis.hget(state.keys.cells('g', 1000), 'ORD')).toBe('1:34:10502:-38:1:a3:bé');
    expect((await openWindows(state, 'g', cells))[0]).toEqual(window); // read again: the same
  });

  it('folds a batch into a window of sessions 24 to 27: its counts added to where they were', async () => {
    await packedWindow(0);
    const batch: WindowDelta = {
      ...delta('g', 0, { ORD: 2, SFO: 1, LAX: 1 }),
      cells: rowsOf([new Map([['ORD', 50]]), new Map([['SFO', 4]]), new Map([['LAX', new Set(['u1', 'new-user'])]])]),
    };
    expect(await checkpoint((await own()).epoch, batch)).toBe('OK');
    const [window] = await openWindows(state, 'g', cells);
    expect(window).toMatchObject({
      counts: { ORD: 5, LAX: 41, SFO: 1, 'a|b': 1 },
      cells: [
        { ORD: 1100, 'a|b': 'overflow' },
        { ORD: -3, SFO: 4 },
        { ORD: 2, LAX: 41 },
      ],
      changes: 6,
    });
    expect(await redis.exists(state.keys.window('g', 0))).toBe(0);
  });

  it('folds a batch into such a window: sums added, extremes compared, sets joined, its HyperLogLog added to', async () => {
    await olderWindow(0);
    const own = await state.acquire('t', 0, '0');
    const batch: WindowDelta = {
      ...delta('g', 0, { ORD: 2, LAX: 1, SFO: 1 }),
      cells: rowsOf([
        new Map<string, number | Set<string>>([
          ['ORD', 50],
          ['SFO', 7],
        ]),
        new Map<string, number | Set<string>>([['ORD', 9]]),
        new Map<string, number | Set<string>>([
          ['ORD', new Set(['bé', 'c'])],
          ['LAX', new Set(['new-user'])],
        ]),
      ]),
    };
    const outcome = await state.checkpoint({
      topic: 't',
      partition: 0,
      now: 1,
      closedSeen: new Map([['g', '']]),
      epoch: own.epoch,
      fromOffset: '0',
      toOffset: '1',
      maxTs: 1,
      deltas: [batch],
      cells: new Map([['g', cells]]),
    });
    expect(outcome).toBe('OK');
    expect(await redis.exists(state.keys.cellsBefore24('g', 0), state.keys.window('g', 0))).toBe(0);
    const [window] = await openWindows(state, 'g', cells);
    expect(window).toMatchObject({
      counts: { ORD: 5, LAX: 41, SFO: 1, 'a|b': 1 },
      cells: [{ ORD: 1100, SFO: 7, 'a|b': 'overflow' }, { ORD: 9 }, { ORD: 3, LAX: 41 }],
      changes: 6,
    });
  });
});
