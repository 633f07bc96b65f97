import fs from 'node:fs';
import path from 'node:path';
import { decodeWindowResult, encodeWindowResult, resultVersion } from '@streamtally/contracts';
import { REPO_ROOT } from '@streamtally/test-support';
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
    expect(result.other).toEqual({ keys: 2, count: 3, reason: ['maxKeys'] });
    expect(result.version).toBe(resultVersion(counts, true)); // the full counts' version
    expect(buildResult('p', 0, 1000, counts, true, 5, { maxKeys: 5, maxBytes: 1e6 })).not.toHaveProperty('other');
  });

  it('keeps the encoded result under maxBytes whatever the keys: a 1 MB key, or many long ones', () => {
    const huge = buildResult('p', 0, 60_000, { ['x'.repeat(1_000_000)]: 1, 上海: 4 }, false, 5, { maxKeys: 1000, maxBytes: 512 * 1024 });
    expect(encodeWindowResult(huge).length).toBeLessThanOrEqual(512 * 1024);
    expect(huge.counts).toEqual({ 上海: 4 });
    expect(huge.other).toEqual({ keys: 1, count: 1, reason: ['maxBytes'] });
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`province-${i}-${'p'.repeat(200)}`, i + 1]));
    const bounded = buildResult('p', 0, 60_000, many, false, 5, { maxKeys: 5000, maxBytes: 512 * 1024 });
    expect(encodeWindowResult(bounded).length).toBeLessThanOrEqual(512 * 1024);
    const listed = Object.values(bounded.counts).reduce((a, b) => a + b, 0);
    expect(listed + bounded.other!.count).toBe(Object.values(many).reduce((a, b) => a + b, 0));
    expect(decodeWindowResult(encodeWindowResult(bounded))).toMatchObject({ ok: true });
  });

  // seen on main: one 900 KB "province" written into the input topic made the running total
  // list 18 of the 34 real provinces and fold the other 17 with it (the list was halved until it fit)
  it('folds only the keys that do not fit: one 900 KB key among the real provinces leaves every province listed, in rank order', () => {
    const rows = fs.readFileSync(path.join(REPO_ROOT, 'data/user_log.sample.csv'), 'utf8').trim().split('\n').slice(1);
    const provinces: Record<string, number> = {};
    for (const row of rows) {
      const province = row.split(',').pop()!;
      provinces[province] = (provinces[province] ?? 0) + 1;
    }
    expect(Object.keys(provinces).length).toBeGreaterThan(30);
    const hostile = 'x'.repeat(900 * 1024);
    const counts = { ...provinces, [hostile]: 1_000_000 }; // ranked first: the largest count
    const result = buildResult('provinces', 0, null, counts, false, 5, { maxKeys: 1000, maxBytes: 512 * 1024 });
    expect(result.counts).toEqual(provinces);
    expect(result.other).toEqual({ keys: 1, count: 1_000_000, reason: ['maxBytes'] });
    expect(encodeWindowResult(result).length).toBeLessThanOrEqual(512 * 1024);
    expect(decodeWindowResult(encodeWindowResult(result))).toMatchObject({ ok: true, value: { other: { reason: ['maxBytes'] } } });
  });

  it('says both reasons when keys were folded for the count and for the size; fills the bytes to the bound, never past it', () => {
    const counts: Record<string, number> = { ['y'.repeat(5000)]: 100 };
    for (let i = 0; i < 400; i += 1) counts[`key-${String(i).padStart(3, '0')}-${'k'.repeat(20)}`] = 50 - Math.floor(i / 10);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const both = buildResult('p', 0, 1000, counts, true, 5, { maxKeys: 50, maxBytes: 4096 });
    // the 5,000-byte key cannot fit in 4 KiB (maxBytes); of the 400 small ones, 50 are listed (maxKeys)
    expect(Object.keys(both.counts)).toEqual(Object.keys(counts).slice(1, 51));
    expect(both.other).toEqual({ keys: 351, count: total - Object.values(both.counts).reduce((a, b) => a + b, 0), reason: ['maxBytes', 'maxKeys'] });
    const filled = buildResult('p', 0, 1000, counts, true, 5, { maxKeys: 1000, maxBytes: 4096 });
    expect(filled.other!.reason).toEqual(['maxBytes']);
    const bytes = encodeWindowResult(filled).length;
    expect(bytes).toBeLessThanOrEqual(4096);
    expect(bytes).toBeGreaterThan(4096 - 100); // no room left for one more key of ~33 bytes (and the reserve for the largest other)
    const listed = Object.values(filled.counts);
    expect(listed).toEqual([...listed].sort((a, b) => b - a)); // rank order kept
    expect(listed.reduce((a, b) => a + b, 0) + filled.other!.count).toBe(total);
  });
});
