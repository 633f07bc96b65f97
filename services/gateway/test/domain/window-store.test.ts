import { WindowResult } from '@streamtally/contracts';
import { WindowStore } from '../../src/domain/window-store';

const result = (windowStart: number, version: number, job = 'g'): WindowResult => ({
  job,
  windowStart,
  windowEnd: windowStart + 1000,
  counts: { '0': version },
  final: false,
  version,
  emittedAt: 0,
});

const session = (windowStart: number, key: string, version: number, extra: Partial<WindowResult> = {}): WindowResult => ({
  job: 's',
  windowStart,
  windowEnd: windowStart + 500,
  sessionKey: key,
  counts: { [key]: version },
  final: false,
  version,
  emittedAt: 0,
  ...extra,
});

describe('WindowStore', () => {
  it('keeps sessions of different keys that start together apart, and drops one merged into an earlier session', () => {
    const store = new WindowStore(10);
    expect(store.offer(session(1000, 'ann', 2))).toBe('new');
    expect(store.offer(session(1000, 'bob', 2))).toBe('new');
    expect(store.offer(session(1400, 'ann', 4))).toBe('new');
    expect(store.snapshot('s')!.map((w) => `${w.windowStart} ${w.sessionKey}`)).toEqual(['1000 ann', '1000 bob', '1400 ann']);
    // ann's 1400 session joined her 1000 one: a retraction, final, outranking its results
    const retraction = session(1400, 'ann', 7, { counts: {}, final: true, mergedInto: 1000 });
    expect(store.offer(session(1400, 'ann', 3))).toBe('stale');
    expect(store.offer(retraction)).toBe('updated');
    expect(store.get('s', 1400, 'ann')).toBeUndefined();
    expect(store.get('s', 1000, 'bob')?.counts).toEqual({ bob: 2 });
    // a retraction of a session never kept changes nothing
    expect(store.offer(session(9000, 'eve', 3, { counts: {}, final: true, mergedInto: 8000 }))).toBe('stale');
    expect(store.snapshot('s')).toHaveLength(2);
  });

  it('keeps the highest version; a lower or equal one is stale whatever the order', () => {
    const store = new WindowStore(10);
    expect(store.offer(result(1000, 4))).toBe('new');
    expect(store.offer(result(1000, 9))).toBe('updated');
    expect(store.offer(result(1000, 5))).toBe('stale');
    expect(store.offer(result(1000, 9))).toBe('stale');
    expect(store.get('g', 1000)?.version).toBe(9);
  });

  it('holds the last N windows per job, oldest first, and drops history older than that', () => {
    const store = new WindowStore(3);
    for (const start of [3000, 1000, 2000, 4000]) store.offer(result(start, 1));
    expect(store.snapshot('g')!.map((w) => w.windowStart)).toEqual([2000, 3000, 4000]);
    expect(store.offer(result(500, 7))).toBe('stale');
    expect(store.snapshot('other')).toBeUndefined();
    store.offer(result(0, 1, 'other'));
    expect(store.jobNames()).toEqual(['g', 'other']);
  });

  it('a newer generation of a job replaces every window of the older, whatever their versions; an older one is stale', () => {
    const store = new WindowStore(10);
    store.offer(result(1000, 40));
    store.offer(result(2000, 41));
    expect(store.offer({ ...result(1000, 2), generation: 2 })).toBe('new');
    expect(store.snapshot('g')!.map((w) => [w.windowStart, w.version, w.generation])).toEqual([[1000, 2, 2]]);
    expect(store.offer(result(3000, 99))).toBe('stale'); // generation 1, after 2
    expect(store.offer({ ...result(1000, 4), generation: 2 })).toBe('updated');
  });

  it('keeps only the jobs described, at their described generation', () => {
    const store = new WindowStore(10);
    store.offer(result(1000, 3, 'kept'));
    store.offer(result(1000, 3, 'removed'));
    store.offer(result(1000, 3, 'changed'));
    store.retain([{ name: 'kept' }, { name: 'changed', generation: 2 }]);
    expect(store.jobNames()).toEqual(['kept']);
    expect(store.offer(result(2000, 9, 'changed'))).toBe('stale');
    expect(store.offer({ ...result(2000, 1, 'changed'), generation: 2 })).toBe('new');
  });
});
