import { decodeWindowResult, encodeWindowResult, resultVersion } from '@streamtally/contracts';
import { buildResult } from '../../src/windowing/results';

describe('window results', () => {
  it('builds the documented result record', () => {
    expect(buildResult('g', 1000, 2000, { '1': 2 }, true, 5)).toEqual({
      job: 'g',
      windowStart: 1000,
      windowEnd: 2000,
      counts: { '1': 2 },
      final: true,
      version: 5,
      emittedAt: 5,
    });
  });

  it('lists at most maxKeys keys, the largest counts first, and sums the rest under other', () => {
    const counts = { a: 5, b: 9, c: 1, d: 9, e: 2 };
    const result = buildResult('p', 0, 1000, counts, true, 5, { maxKeys: 3, maxBytes: 1e6 });
    expect(result.counts).toEqual({ b: 9, d: 9, a: 5 });
    expect(result.other).toEqual({ keys: 2, count: 3 });
    expect(result.version).toBe(resultVersion(counts, true)); // the full counts' version
    expect(buildResult('p', 0, 1000, counts, true, 5, { maxKeys: 5, maxBytes: 1e6 })).not.toHaveProperty('other');
  });

  it('keeps the encoded result under maxBytes whatever the keys: a 1 MB key, or many long ones', () => {
    const huge = buildResult('p', 0, 60_000, { ['x'.repeat(1_000_000)]: 1, 上海: 4 }, false, 5, { maxKeys: 1000, maxBytes: 512 * 1024 });
    expect(encodeWindowResult(huge).length).toBeLessThanOrEqual(512 * 1024);
    expect(huge.counts).toEqual({ 上海: 4 });
    expect(huge.other).toEqual({ keys: 1, count: 1 });
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`province-${i}-${'p'.repeat(200)}`, i + 1]));
    const bounded = buildResult('p', 0, 60_000, many, false, 5, { maxKeys: 5000, maxBytes: 512 * 1024 });
    expect(encodeWindowResult(bounded).length).toBeLessThanOrEqual(512 * 1024);
    const listed = Object.values(bounded.counts).reduce((a, b) => a + b, 0);
    expect(listed + bounded.other!.count).toBe(Object.values(many).reduce((a, b) => a + b, 0));
    expect(decodeWindowResult(encodeWindowResult(bounded))).toMatchObject({ ok: true });
  });
});
