import Redis from 'ioredis';
import { testRedisUrl, uniqueName } from '@streamtally/test-support';
import type { CheckpointRequest } from '../../src/state/checkpoint-request';
import { RedisState } from '../../src/state/redis-state';
import type { CellSpec } from '../../src/state/state-encoding';
import type { WindowDelta } from '../../src/windowing/batch-aggregator';
import { openWindows } from '../support/open-windows';
import { rowsOf } from '../support/cell-rows';

const cells: CellSpec[] = [
  { name: 'miles.sum', op: 'incr' },
  { name: 'least.min', op: 'min' },
  { name: 'most.max', op: 'max' },
  { name: 'seen.hll', op: 'hll' },
];

/** Key -> [count, sum, min, max, set elements]. */
function delta(windowStart: number, rows: Record<string, [number, number, number, number, string[]]>): WindowDelta {
  const keys = Object.keys(rows);
  return {
    job: 'g',
    windowStart,
    windowEnd: windowStart + 1000,
    counts: new Map(keys.map((k) => [k, rows[k]![0]])),
    cells: rowsOf(
      cells.map(
        (cell, c) => new Map(keys.map((k): [string, number | Set<string>] => [k, cell.op === 'hll' ? new Set(rows[k]![4]) : (rows[k]![c + 1] as number)])),
      ),
    ),
  };
}

/** Three partitions' batches over the same windows, as a catch-up reads them. */
function batches(epochs: string[], closed = ['', '', '']): CheckpointRequest[] {
  const rows: Record<string, [number, number, number, number, string[]]>[][] = [
    [{ ORD: [2, 10, 3, 7, ['LAX', 'SFO']] }, { ORD: [1, 1, 1, 1, ['JFK']] }],
    [{ ORD: [1, -4, -2, 9, ['LAX', 'BOS']], LAX: [1, 5, 5, 5, ['ORD']] }],
    [{ SFO: [3, 30, 9, 11, ['ORD']] }, { ORD: [2, 8, 0, 2, ['JFK', 'ATL']] }],
  ];
  return rows.map((list, partition) => ({
    topic: 't',
    partition,
    epoch: epochs[partition]!,
    fromOffset: '0',
    toOffset: String(10 + partition),
    maxTs: 1500 + partition,
    now: 1,
    writtenAt: 100 + partition,
    closedSeen: new Map([['g', closed[partition]!]]),
    deltas: list.map((r, i) => delta(i * 1000, r)),
    cells: new Map([['g', cells]]),
  }));
}

describe('several partitions’ batches in one checkpoint call, against a real Redis', () => {
  let redis: Redis;
  const states: RedisState[] = [];
  const stateIn = (name: string) => {
    const state = new RedisState(redis, uniqueName(name), 60);
    states.push(state);
    return state;
  };
  const acquireAll = (state: RedisState) => Promise.all([0, 1, 2].map(async (p) => (await state.acquire('t', p, '0')).epoch));
  const seen = async (state: RedisState) => ({
    windows: (await openWindows(state, 'g', cells)).map(({ changes, ...w }) => (expect(changes).toBeGreaterThan(0), w)),
    partitions: await state.positions([0, 1, 2].map((partition) => ({ topic: 't', partition }))),
    jobs: await Promise.all([0, 1, 2].map(async (p) => Object.fromEntries(await state.jobPositions(['g'], 't', p)))),
    pending: await state.pending('g', ['0', '1000']),
  });
  beforeEach(() => {
    redis = new Redis(testRedisUrl());
  });
  afterEach(async () => {
    for (const state of states.splice(0)) {
      const keys = await redis.keys(state.keys.pattern);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });

  it('leaves the state the batches leave one call each: counts, sums, extremes, sets, offsets, positions, oldest input time', async () => {
    const [together, apart] = [stateIn('together'), stateIn('apart')];
    expect(await together.checkpointAll(batches(await acquireAll(together)))).toBe('OK');
    for (const request of batches(await acquireAll(apart))) expect(await apart.checkpoint(request)).toBe('OK');
    const merged = await seen(together);
    expect(merged).toEqual(await seen(apart));
    expect(merged.windows[0]).toEqual({
      windowStart: 0,
      windowEnd: 1000,
      counts: { ORD: 3, LAX: 1, SFO: 3 },
      cells: [
        { ORD: 6, LAX: 5, SFO: 30 },
        { ORD: -2, LAX: 5, SFO: 9 },
        { ORD: 9, LAX: 5, SFO: 11 },
        { ORD: 3, LAX: 1, SFO: 1 },
      ],
      hyperLogLogs: [],
    });
    expect(merged.partitions.map((p) => p.offset)).toEqual(['10', '11', '12']);
    expect(merged.pending).toEqual(
      new Map([
        ['0', 100],
        ['1000', 100],
      ]),
    );
  });

  it('refuses as a whole when one partition is fenced or one saw an older closed point: nothing written', async () => {
    const state = stateIn('refused');
    const epochs = await acquireAll(state);
    await state.acquire('t', 1, '0'); // another instance took partition 1
    expect(await state.checkpointAll(batches(epochs))).toBe('FENCED');
    const fresh = await acquireAll(state);
    expect(await state.checkpointAll(batches(fresh, ['', '5000', '']))).toBe('CLOSED');
    expect(await openWindows(state, 'g', cells)).toEqual([]);
    expect((await state.positions([0, 1, 2].map((partition) => ({ topic: 't', partition })))).map((p) => p.offset)).toEqual(['0', '0', '0']);
    // and the same batches, fenced right, then go through
    expect(await state.checkpointAll(batches(fresh))).toBe('OK');
  });
});
