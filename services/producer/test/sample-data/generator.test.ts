import { createRowParser, CANONICAL_COLUMNS } from '../../src/csv/user-log-row';
import { USER_LOG_HEADER } from '@streamtally/contracts';
import { encodeGeneratedLine, generateUserLog, PROVINCES } from '../../src/sample-data/generator';

describe('sample data generator', () => {
  const lines = [...generateUserLog({ rows: 20_000, seed: 11 })];
  const parse = createRowParser(CANONICAL_COLUMNS);
  const rows = lines
    .slice(1)
    .map((l, i) => parse(l, i + 2))
    .map((o) => (o.ok ? o.row : undefined));

  it('writes a header and rows the producer accepts, all of them', () => {
    expect(lines[0]).toBe(USER_LOG_HEADER);
    expect(rows.every(Boolean)).toBe(true);
    expect(rows).toHaveLength(20_000);
  });

  it('is realistic: mostly clicks, some unknown genders and ages, real provinces, skewed users', () => {
    const share = (pred: (r: NonNullable<(typeof rows)[number]>) => boolean) => rows.filter((r) => pred(r!)).length / rows.length;
    expect(share((r) => r.action === 0)).toBeGreaterThan(0.8);
    expect(share((r) => r.gender === 2)).toBeGreaterThan(0.05);
    expect(share((r) => r.age_range === 0)).toBeGreaterThan(0.03);
    expect(rows.every((r) => (PROVINCES as readonly string[]).includes(r!.province))).toBe(true);
    const perUser = new Map<number, number>();
    for (const r of rows) perUser.set(r!.user_id, (perUser.get(r!.user_id) ?? 0) + 1);
    const counts = [...perUser.values()].sort((a, b) => b - a);
    expect(counts[0]!).toBeGreaterThan(10 * counts[Math.floor(counts.length / 2)]!);
  });

  it('is reproducible from its seed', () => {
    expect([...generateUserLog({ rows: 50, seed: 11 })]).toEqual([...generateUserLog({ rows: 50, seed: 11 })]);
    expect([...generateUserLog({ rows: 50, seed: 12 })]).not.toEqual([...generateUserLog({ rows: 50, seed: 11 })]);
  });

  it('writes broken rows when asked, including invalid UTF-8 bytes', () => {
    const broken = [...generateUserLog({ rows: 2000, seed: 3, badRowFraction: 0.2 })].slice(1);
    const bad = broken.filter((l) => !parse(l, 1).ok);
    expect(bad.length).toBeGreaterThan(200);
    const withBadBytes = broken.find((l) => l.includes('\uFFFD'))!;
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(encodeGeneratedLine(withBadBytes))).toThrow();
  });
});
