import { keyOf, wordsOf } from '../../src/windowing/event-keys';

describe('wordsOf', () => {
  it('lower-cases and splits on anything that is not a letter, digit or apostrophe', () => {
    expect(wordsOf("Don't stop 北京 2015")).toEqual(["don't", 'stop', '北京', '2015']);
  });
});

describe('keyOf', () => {
  it('writes a key of several fields as JSON.stringify writes their values as an array, a missing one as null', () => {
    const event = { ts: 0, a: 'say "hi"\\\n\u2028é', b: 3.5, c: true, d: -0, e: Number.NaN, f: null };
    const fields = ['a', 'b', 'c', 'd', 'e', 'f', 'missing'];
    expect(keyOf(event, fields)).toBe(JSON.stringify(fields.map((f) => (event as Record<string, unknown>)[f])));
    expect(keyOf(event, ['a'])).toBe(event.a);
  });
});
