import { seededRandom } from '@streamtally/test-support';
/**
 * A seeded user_log.csv of good rows and every kind of malformed one, with what the
 * producer must make of each line: an event, or one dead letter whose reason matches.
 * Written apart from the producer's parser: plain string building, no shared code.
 */
export type LineOutcome = { kind: 'event'; userId: number } | { kind: 'dead'; reason: RegExp; label: string };

export interface HostileFile {
  bytes: Buffer;
  /** line number (1-based, the header is line 1) -> what must come of it */
  outcomes: Map<number, LineOutcome>;
}

const PROVINCES = ['上海', '北京', '广东', '内蒙古', '浙江', '四川'];
const HEADER = 'user_id,item_id,cat_id,merchant_id,brand_id,month,day,action,age_range,gender,province';
const GBK_GUANGDONG = Buffer.from([0xb9, 0xe3, 0xb6, 0xab]); // 广东 in GBK: not UTF-8

type Case = (fields: string[], userId: number) => { line: Buffer | string; outcome: LineOutcome };

const good = (line: string, userId: number): { line: string; outcome: LineOutcome } => ({ line, outcome: { kind: 'event', userId } });
const dead = (line: Buffer | string, label: string, reason: RegExp) => ({ line, outcome: { kind: 'dead' as const, reason, label } });

/** Lines that are dirty but valid: each must become exactly one event. */
const GOOD_CASES: Case[] = [
  (f, id) => good(f.join(','), id),
  (f, id) => good(f.map((v, i) => (i < 4 ? `"${v}"` : v)).join(','), id), // quoted numbers
  (f, id) => good([...f.slice(0, 10), '27" monitor'].join(','), id), // a stray quote inside a field is literal
  (f, id) => good([...f.slice(0, 4), 'NULL', ...f.slice(5)].join(','), id),
  (f, id) => good(f.map((v) => ` ${v} `).join(','), id),
  (f, id) => good([...f.slice(0, 10), `"${f[10]}, 浦东"`].join(','), id), // a comma inside a quoted field
];

/** Lines that must each become one dead letter with a fitting reason. */
const BAD_CASES: Case[] = [
  (f) => dead(f.slice(0, 10).join(','), 'too few columns', /^expected 11 columns, found 10$/),
  (f) => dead([...f, 'extra'].join(','), 'too many columns', /^expected 11 columns, found 12$/),
  (f) => dead(['u' + f[0], ...f.slice(1)].join(','), 'non-numeric id', /^field user_id: ".*" is not a non-negative integer$/),
  (f) => dead([...f.slice(0, 7), '7', ...f.slice(8)].join(','), 'action out of range', /^field action: "7" is not an action code 0-3$/),
  (f) => dead([...f.slice(0, 9), '5', f[10]].join(','), 'gender out of range', /^field gender: "5" is not a gender code 0, 1 or 2$/),
  (f) => dead([...f.slice(0, 5), '13', ...f.slice(6)].join(','), 'month out of range', /^field month: "13" is not a month 1-12$/),
  (f) => dead(Buffer.concat([Buffer.from(f.slice(0, 10).join(',') + ','), GBK_GUANGDONG]), 'GBK bytes', /not valid UTF-8$/),
  (f) => dead([...f.slice(0, 10), '上\u0000海'].join(','), 'NUL', /^field province: control character U\+0000/),
  (f) => dead([...f.slice(0, 10), '\u001b[31m上海'].join(','), 'ESC', /^field province: control character U\+001B/),
  (f) => dead([...f.slice(0, 10), '"广东'].join(','), 'unclosed quote', /^field province: a quoted field is not closed$/),
  (f) => dead([...f.slice(0, 10), '"广东"x'].join(','), 'text after a closing quote', /^field province: text after the closing quote$/),
  (f) => dead([...f.slice(0, 10), '省'.repeat(100)].join(','), 'a 300-byte province', /^field province: 300 bytes, more than 256$/),
  (f) => dead([...f.slice(0, 7), '\u00001', ...f.slice(8)].join(','), 'NUL in a number', /^field action: ".*" is not an action code 0-3$/),
];

/** Lines too large to be rows: once each per file. */
const HUGE_CASES: Case[] = [
  (f) => dead([...f.slice(0, 10), 'p'.repeat(1_000_000)].join(','), 'a 1 MB province', /^row: \d+ bytes, more than 4096$/),
  () => dead('x'.repeat(3 * 1024 * 1024), 'a 3 MiB line', /^row: 3145728 bytes, more than 4096$/),
];

export function hostileUserLog(rows: number, seed: number): HostileFile {
  const next = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const parts: Buffer[] = [Buffer.from('\uFEFF' + HEADER + '\r\n')]; // a BOM and a header
  const outcomes = new Map<number, LineOutcome>();
  const hugeAt = new Map(HUGE_CASES.map((c, i) => [Math.floor((rows * (i + 1)) / (HUGE_CASES.length + 1)), c]));
  for (let i = 0; i < rows; i += 1) {
    const userId = 100_000 + i;
    const fields = [
      String(userId),
      String(Math.floor(next() * 1e6)),
      String(Math.floor(next() * 1000)),
      String(Math.floor(next() * 5000)),
      String(Math.floor(next() * 9000)),
      String(1 + Math.floor(next() * 12)),
      String(1 + Math.floor(next() * 28)),
      String(Math.floor(next() * 4)),
      String(Math.floor(next() * 9)),
      String(Math.floor(next() * 3)),
      pick(PROVINCES),
    ];
    const make = hugeAt.get(i) ?? (next() < 0.5 ? pick(GOOD_CASES) : pick(BAD_CASES));
    const { line, outcome } = make(fields, userId);
    outcomes.set(i + 2, outcome);
    parts.push(typeof line === 'string' ? Buffer.from(line) : line, Buffer.from(next() < 0.5 ? '\n' : '\r\n'));
  }
  return { bytes: Buffer.concat(parts), outcomes };
}
