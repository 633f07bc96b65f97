import fs from 'node:fs';
import path from 'node:path';
import { decodeWindowResult, encodeWindowResult, resultVersion } from '@streamtally/contracts';
import { REPO_ROOT, seededRandom } from '@streamtally/test-support';
import { parseJobs } from '../../src/jobs/jobs-file';
import { buildResult, resultSizeBound } from '../../src/windowing/results';
import { cellTableOf } from '../support/cell-table';

describe('window results', () => {
  it('builds the documented result record', () => {
    expect(buildResult({ job: 'g', windowStart: 1000, windowEnd: 2000, counts: { '1': 2 }, changes: 2 }, true, 5)).toEqual({
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
    const result = buildResult({ job: 'p', windowStart: 0, windowEnd: 1000, counts, changes: 7 }, true, 5, { maxKeys: 3, maxBytes: 1e6 });
    expect(result.counts).toEqual({ b: 9, d: 9, a: 5 });
    expect(result.other).toEqual({ keys: 2, count: 3, reason: ['maxKeys'] });
    expect(result.version).toBe(resultVersion(7, true)); // the window's changes, whatever is folded
    expect(buildResult({ job: 'p', windowStart: 0, windowEnd: 1000, counts, changes: 7 }, true, 5, { maxKeys: 5, maxBytes: 1e6 })).not.toHaveProperty('other');
  });

  it('keeps keys named like Object.prototype members as keys, listed or folded, through the encoding', () => {
    const counts = JSON.parse('{"__proto__":7,"constructor":5,"toString":1}') as Record<string, number>;
    const result = buildResult({ job: 'p', windowStart: 0, windowEnd: 1000, counts, changes: 1 }, true, 5, { maxKeys: 2, maxBytes: 1e6 });
    expect(Object.keys(result.counts)).toEqual(['__proto__', 'constructor']);
    expect(result.other).toEqual({ keys: 1, count: 1, reason: ['maxKeys'] });
    const decoded = decodeWindowResult(encodeWindowResult(result));
    expect(decoded.ok && Object.entries(decoded.value.counts)).toEqual([
      ['__proto__', 7],
      ['constructor', 5],
    ]);
  });

  it('keeps the encoded result under maxBytes whatever the keys: a 1 MB key, or many long ones', () => {
    const huge = buildResult({ job: 'p', windowStart: 0, windowEnd: 60_000, counts: { ['x'.repeat(1_000_000)]: 1, 上海: 4 }, changes: 2 }, false, 5, {
      maxKeys: 1000,
      maxBytes: 512 * 1024,
    });
    expect(encodeWindowResult(huge).length).toBeLessThanOrEqual(512 * 1024);
    expect(huge.counts).toEqual({ 上海: 4 });
    expect(huge.other).toEqual({ keys: 1, count: 1, reason: ['maxBytes'] });
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`province-${i}-${'p'.repeat(200)}`, i + 1]));
    const bounded = buildResult({ job: 'p', windowStart: 0, windowEnd: 60_000, counts: many, changes: 1 }, false, 5, { maxKeys: 5000, maxBytes: 512 * 1024 });
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
    const result = buildResult({ job: 'provinces', windowStart: 0, windowEnd: null, counts, changes: 3 }, false, 5, { maxKeys: 1000, maxBytes: 512 * 1024 });
    expect(result.counts).toEqual(provinces);
    expect(result.other).toEqual({ keys: 1, count: 1_000_000, reason: ['maxBytes'] });
    expect(encodeWindowResult(result).length).toBeLessThanOrEqual(512 * 1024);
    expect(decodeWindowResult(encodeWindowResult(result))).toMatchObject({ ok: true, value: { other: { reason: ['maxBytes'] } } });
  });

  it('says both reasons when keys were folded for the count and for the size; fills the bytes to the bound, never past it', () => {
    const counts: Record<string, number> = { ['y'.repeat(5000)]: 100 };
    for (let i = 0; i < 400; i += 1) counts[`key-${String(i).padStart(3, '0')}-${'k'.repeat(20)}`] = 50 - Math.floor(i / 10);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const both = buildResult({ job: 'p', windowStart: 0, windowEnd: 1000, counts, changes: 4 }, true, 5, { maxKeys: 50, maxBytes: 4096 });
    // the 5,000-byte key cannot fit in 4 KiB (maxBytes); of the 400 small ones, 50 are listed (maxKeys)
    expect(Object.keys(both.counts)).toEqual(Object.keys(counts).slice(1, 51));
    expect(both.other).toEqual({ keys: 351, count: total - Object.values(both.counts).reduce((a, b) => a + b, 0), reason: ['maxBytes', 'maxKeys'] });
    const filled = buildResult({ job: 'p', windowStart: 0, windowEnd: 1000, counts, changes: 4 }, true, 5, { maxKeys: 1000, maxBytes: 4096 });
    expect(filled.other!.reason).toEqual(['maxBytes']);
    const bytes = encodeWindowResult(filled).length;
    expect(bytes).toBeLessThanOrEqual(4096);
    expect(bytes).toBeGreaterThan(4096 - 100); // no room left for one more key of ~33 bytes (and the reserve for the largest other)
    const listed = Object.values(filled.counts);
    expect(listed).toEqual([...listed].sort((a, b) => b - a)); // rank order kept
    expect(listed.reduce((a, b) => a + b, 0) + filled.other!.count).toBe(total);
  });
});

describe('window results with aggregates', () => {
  const parsed = parseJobs({
    sources: [
      {
        name: 's',
        topic: 's',
        format: 'json',
        fields: { t: { type: 'timestamp' }, k: { type: 'string' }, delay: { type: 'integer', optional: true } },
        time: 't',
      },
    ],
    jobs: [
      {
        name: 'j',
        source: 's',
        key: { field: 'k' },
        window: { type: 'tumbling', sizeMs: 1000 },
        aggregates: [
          { name: 'n', op: 'count' },
          { name: 'total', op: 'sum', field: 'delay' },
          { name: 'least', op: 'min', field: 'delay' },
          { name: 'most', op: 'max', field: 'delay' },
          { name: 'mean', op: 'avg', field: 'delay' },
        ],
        orderBy: 'total',
      },
    ],
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const job = parsed.jobs[0]!;
  // cells: total.sum, least.min, most.max, mean.sum, mean.n
  const byCell: Record<string, number | 'overflow'>[] = [
    { a: 10, b: 40, c: 1, d: 'overflow' },
    { a: 1, b: 15, c: -5 },
    { a: 6, b: 25, c: 4 },
    { a: 10, b: 40, c: 1, d: 'overflow' },
    { a: 3, b: 2, c: 3 },
  ];
  const counts = { a: 3, b: 2, c: 4, d: 1 };
  const window = { job: 'j', windowStart: 0, windowEnd: 1000, counts, cells: cellTableOf(counts, byCell), changes: 6 };
  const shape = { maxKeys: 1000, maxBytes: 512 * 1024, aggregates: job.aggregates, orderBy: job.orderBy! };

  it("gives each key every aggregate by name: null where no event had a value or a sum left Redis's range", () => {
    const result = buildResult(window, false, 5, shape);
    expect(result.values).toEqual({
      a: { n: 3, total: 10, least: 1, most: 6, mean: 3.3333 },
      b: { n: 2, total: 40, least: 15, most: 25, mean: 20 },
      c: { n: 4, total: 1, least: -5, most: 4, mean: 0.3333 },
      d: { n: 1, total: null, least: null, most: null, mean: null },
    });
    expect(result.version).toBe(12);
    expect(decodeWindowResult(encodeWindowResult(result))).toMatchObject({ ok: true });
  });

  it('ranks by orderBy and folds the rest into other with their aggregates folded: sums added, the least minimum, the mean over all', () => {
    const result = buildResult(window, true, 5, { ...shape, maxKeys: 1 });
    expect(result.counts).toEqual({ b: 2 }); // the largest total
    expect(result.values).toEqual({ b: { n: 2, total: 40, least: 15, most: 25, mean: 20 } });
    // a, c and d: d's sums overflowed, so the folded sums say null; its min/max had no value
    expect(result.other).toEqual({ keys: 3, count: 8, reason: ['maxKeys'], values: { n: 8, total: null, least: -5, most: 6, mean: null } });
    const withoutD = { a: 3, b: 2, c: 4 };
    const withoutOverflow = buildResult({ ...window, counts: withoutD, cells: cellTableOf(withoutD, byCell) }, true, 5, { ...shape, maxKeys: 1 });
    expect(withoutOverflow.other!.values).toEqual({ n: 7, total: 11, least: -5, most: 6, mean: 1.8333 });
  });

  it('keeps a result with values under maxBytes, counting the values in', () => {
    const many: Record<string, number> = {};
    const sums: Record<string, number> = {};
    for (let i = 0; i < 3000; i += 1) {
      many[`key-${i}-${'v'.repeat(100)}`] = i + 1;
      sums[`key-${i}-${'v'.repeat(100)}`] = -(i + 1) * 1_000_000_007;
    }
    const cells = cellTableOf(many, [sums, sums, sums, sums, many]);
    const result = buildResult({ ...window, counts: many, cells }, false, 5, { ...shape, maxBytes: 64 * 1024 });
    expect(encodeWindowResult(result).length).toBeLessThanOrEqual(64 * 1024);
    expect(result.other!.reason).toEqual(['maxBytes']);
    expect(Object.keys(result.values!)).toEqual(Object.keys(result.counts));
  });

  it('bounds the encoded size from above without encoding, whatever the keys and values (the check that spares encoding twice)', () => {
    const random = seededRandom(24);
    // units JSON writes widest: escaped controls and quotes, lone surrogates, 3-byte and 4-byte UTF-8
    const units = ['"', '\\', '\n', '\u0001', '\ud800', '\udfff', '上', '😀', 'a', '|'];
    const text = (max: number, from = units) => Array.from({ length: Math.floor(random() * max) }, () => from[Math.floor(random() * from.length)]).join('');
    const extremes = [-2.2250738585072014e-308, -Number.MAX_VALUE / 3, -(2 ** 53 - 1), -1 / 3, 0, 'overflow' as const];
    for (let n = 0; n < 300; n += 1) {
      // every third: one key of only 6-byte units, where the bound is tightest
      const widest = n % 3 === 0;
      const keys = widest ? [text(400, ['\u0001', '\ud800'])] : Array.from({ length: 1 + Math.floor(random() * 40) }, (_, i) => `${i}${text(60)}`);
      const counts = Object.fromEntries(keys.map((k) => [k, Number.MAX_SAFE_INTEGER]));
      const cells = cellTableOf(
        counts,
        job.cells.map(() => Object.fromEntries(keys.map((k) => [k, extremes[Math.floor(random() * extremes.length)]!]))),
      );
      const sessionKey = random() < 0.5 ? text(200) : undefined;
      const windowed = {
        ...window,
        windowStart: -8.64e15,
        windowEnd: 8.64e15,
        counts,
        cells,
        changes: 2 ** 40,
        ...(sessionKey === undefined ? {} : { sessionKey }),
      };
      const result = buildResult(windowed, false, Number.MAX_SAFE_INTEGER, { ...shape, maxBytes: Infinity, generation: 2 ** 40 });
      result.inputWrittenAt = Number.MAX_SAFE_INTEGER; // added by the emitter after buildResult
      expect(Object.keys(result.counts).sort()).toEqual([...keys].sort()); // nothing folded: the whole result is bounded
      expect(encodeWindowResult(result).length).toBeLessThanOrEqual(resultSizeBound(result, keys, job.aggregates));
      const countsOnly = buildResult({ ...windowed, cells: undefined }, true, 0, { maxKeys: Infinity, maxBytes: Infinity });
      expect(encodeWindowResult(countsOnly).length).toBeLessThanOrEqual(resultSizeBound(countsOnly, keys, []));
    }
  });
});

describe('window results with a distinct count', () => {
  it("gives each key its estimate and other none: several keys' distinct counts are not their sum", () => {
    const parsed = parseJobs({
      sources: [{ name: 's', topic: 's', format: 'json', fields: { t: { type: 'timestamp' }, k: { type: 'string' }, u: { type: 'string' } }, time: 't' }],
      jobs: [
        {
          name: 'j',
          source: 's',
          key: { field: 'k' },
          window: { type: 'running' },
          aggregates: [{ name: 'users', op: 'distinct', field: 'u' }],
          orderBy: 'users',
        },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const { aggregates, orderBy } = parsed.jobs[0]!;
    const counts = { a: 10, b: 4, c: 9 };
    const window = { job: 'j', windowStart: 0, windowEnd: null, counts, cells: cellTableOf(counts, [{ a: 3, b: 4, c: 9 }]), changes: 2 };
    const result = buildResult(window, false, 1, { maxKeys: 1, maxBytes: 1e6, aggregates, orderBy: orderBy! });
    expect(result.values).toEqual({ c: { users: 9 } });
    expect(result.other).toEqual({ keys: 2, count: 14, reason: ['maxKeys'], values: { users: null } });
  });
});
