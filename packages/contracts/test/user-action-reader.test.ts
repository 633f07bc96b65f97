import { decodeUserAction, encodeUserActionText, UserActionEvent } from '../src';
import { readCanonicalUserAction } from '../src/user-action-reader';

// The byte reader must give exactly what JSON.parse gives for what it accepts, and leave
// everything else to JSON.parse. decodeUserAction of a string always takes the JSON.parse
// path, so it is the reference for the same bytes as a Buffer.
const reference = (bytes: Buffer) => decodeUserAction(bytes.toString('utf8'));

function randomEvent(random: () => number): UserActionEvent {
  const int = (max: number) => Math.floor(random() * max);
  const provinces = ['内蒙古', '上海', 'Zürich', '', 'a"b', 'back\\slash', 'tab\there', 'line\nbreak', '😀'];
  return {
    user_id: int(10 ** int(16)),
    item_id: int(1e6),
    cat_id: int(2000),
    merchant_id: int(5000),
    brand_id: random() < 0.2 ? null : int(9000),
    month: 1 + int(12),
    day: 1 + int(31),
    action: int(4) as UserActionEvent['action'],
    age_range: int(9),
    gender: int(3) as UserActionEvent['gender'],
    province: provinces[int(provinces.length)]!,
    ts: 1_700_000_000_000 + int(1e9),
    line: 1 + int(1e7),
  };
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
}

describe('the canonical user-action reader', () => {
  it('reads what the producer writes exactly as JSON.parse does, for 5,000 random events', () => {
    const random = seeded(42);
    let readDirectly = 0;
    for (let i = 0; i < 5000; i++) {
      const event = randomEvent(random);
      const bytes = Buffer.from(encodeUserActionText(event));
      const direct = readCanonicalUserAction(bytes);
      if (direct !== undefined) {
        readDirectly += 1;
        expect(direct).toEqual({ ok: true, value: JSON.parse(bytes.toString()) });
      }
      expect(decodeUserAction(bytes)).toEqual(reference(bytes));
    }
    // escapes (quote, backslash, control characters) and 16-digit ids go the JSON.parse way
    expect(readDirectly).toBeGreaterThan(2500);
    expect(readDirectly).toBeLessThan(5000);
  });

  const canonical = encodeUserActionText({
    user_id: 1,
    item_id: 2,
    cat_id: 3,
    merchant_id: 4,
    brand_id: 5,
    month: 6,
    day: 7,
    action: 1,
    age_range: 3,
    gender: 0,
    province: '浙江',
    ts: 1_700_000_000_000,
    line: 9,
  });

  it.each([
    ['spaces between fields', canonical.replace(',"item_id"', ', "item_id"')],
    ['fields in another order', canonical.replace('{"user_id":1,"item_id":2', '{"item_id":2,"user_id":1')],
    ['a leading zero', canonical.replace('"month":6', '"month":06')],
    ['a fraction', canonical.replace('"ts":1700000000000', '"ts":1700000000000.5')],
    ['an exponent', canonical.replace('"day":7', '"day":7e0')],
    ['a negative number', canonical.replace('"cat_id":3', '"cat_id":-3')],
    ['a number past 15 digits', canonical.replace('"user_id":1', '"user_id":12345678901234567')],
    ['null where a number belongs', canonical.replace('"gender":0', '"gender":null')],
    ['a string where a number belongs', canonical.replace('"action":1', '"action":"1"')],
    ['a missing field', canonical.replace(',"line":9', '')],
    ['an extra field', canonical.replace('}', ',"extra":true}')],
    ['trailing whitespace', canonical + ' '],
    ['trailing garbage', canonical + 'x'],
    ['a truncated value', canonical.slice(0, -5)],
    ['an escaped province', canonical.replace('浙江', '\\u6d59\\u6c5f')],
    ['an empty value', ''],
  ])('leaves %s to JSON.parse, with the same outcome', (_, text) => {
    const bytes = Buffer.from(text);
    expect(readCanonicalUserAction(bytes)).toBeUndefined();
    expect(decodeUserAction(bytes)).toEqual(reference(bytes));
  });

  it('reads invalid UTF-8 in the province as JSON.parse of the decoded text does (U+FFFD)', () => {
    const bytes = Buffer.concat([
      Buffer.from(canonical.slice(0, canonical.indexOf('浙江'))),
      Buffer.from([0xe6, 0xb5]), // a cut-off character
      Buffer.from(canonical.slice(canonical.indexOf('浙江') + 2)),
    ]);
    expect(readCanonicalUserAction(bytes)).toBeDefined();
    expect(decodeUserAction(bytes)).toEqual(reference(bytes));
  });

  it('still validates what it reads: out-of-range codes are rejected, naming the field', () => {
    const bytes = Buffer.from(canonical.replace('"gender":0', '"gender":7'));
    expect(readCanonicalUserAction(bytes)).toEqual({ ok: false, code: 'bad_gender', error: 'field gender: expected a gender code 0, 1 or 2' });
    expect(reference(bytes)).toEqual({ ok: false, code: 'bad_gender', error: 'field gender: expected a gender code 0, 1 or 2' });
  });
});
