import { digitCount, JsonBytes, numberLength, utf8Length } from '../../src/state/json-bytes';

describe('JsonBytes (JSON text written as UTF-8 bytes)', () => {
  /** A seeded generator (mulberry32): the same cases on every run. */
  function seeded(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('writes numbers as String() does: safe integers of every size and sign, and others', () => {
    const random = seeded(25);
    const numbers = [0, -0, 9, 10, -10, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53, 1e21, 1.5, -0.25];
    // either side of int32 (written in int32 arithmetic below it) and of every power of ten
    numbers.push(2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, -(2 ** 31), 2 ** 32 - 1, 2 ** 32);
    for (let p = 1; p <= 15; p += 1) numbers.push(10 ** p - 1, 10 ** p, -(10 ** p));
    for (let i = 0; i < 5000; i += 1) numbers.push(Math.floor((random() - 0.5) * 2 * 10 ** Math.floor(random() * 16)));
    const out = new JsonBytes(16); // small: it grows as it goes
    for (const n of numbers) out.number(n).char(0x20);
    expect(out.view().toString()).toBe(numbers.map((n) => `${String(n)} `).join(''));
    for (const n of numbers) expect(numberLength(n)).toBe(String(n).length);
  });

  it('writes strings as JSON.stringify does, escapes and characters past ASCII included', () => {
    const texts = ['', 'ORD', 'say "hi"\\\n', '\u0000\u001f\u007f', 'ü字😀', 'x'.repeat(100), `${'y'.repeat(40)}"`, '\u2028'];
    const out = new JsonBytes(8);
    for (const text of texts) out.string(text).char(0x2c);
    expect(out.view().toString()).toBe(texts.map((t) => `${JSON.stringify(t)},`).join(''));
  });

  it('fills room reserved for a number known later, with spaces JSON reads past', () => {
    const out = new JsonBytes();
    out.char(0x5b);
    const at = out.reserve(10);
    out.ascii(',"a"]');
    out.fill(at, 10, 1234);
    expect(out.view().toString()).toBe('[1234      ,"a"]');
    expect(JSON.parse(out.view().toString())).toEqual([1234, 'a']);
    expect(() => out.fill(at, 10, 12_345_678_901)).toThrow('does not fit');
  });

  it('takes back what was written past a point, and appends another writer', () => {
    const out = new JsonBytes();
    const other = new JsonBytes();
    out.ascii('[1,');
    const mark = out.length;
    out.ascii('2,');
    out.truncate(mark);
    other.ascii('3]');
    expect(out.append(other).view().toString()).toBe('[1,3]');
  });

  it('counts UTF-8 bytes as Buffer.byteLength does, lone surrogates included', () => {
    for (const text of ['', 'abc', 'ü', '字', '😀', 'a😀b', '\ud800', 'x\udc00y', '\ud800\ud800\udc00']) expect(utf8Length(text)).toBe(Buffer.byteLength(text));
    expect([0, 9, 10, 99, 100, 1e15 - 1, 1e15, Number.MAX_SAFE_INTEGER, 1e16, 1e20].map(digitCount)).toEqual([1, 1, 2, 2, 3, 15, 16, 16, 17, 21]);
  });
});
