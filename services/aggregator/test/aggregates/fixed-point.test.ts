import { seededRandom } from '@streamtally/test-support';
import { fromFixedPoint, roundTo, toFixedPoint } from '../../src/aggregates/fixed-point';

describe('fixed point', () => {
  it('scales by the decimals as the value is written, rounding half away from zero', () => {
    expect(toFixedPoint(12.34, 2)).toBe(1234);
    expect(toFixedPoint(1.005, 2)).toBe(101); // 1.005 * 100 is 100.49999999999999 in binary
    expect(toFixedPoint(-1.005, 2)).toBe(-101);
    expect(toFixedPoint(0.125, 2)).toBe(13);
    expect(toFixedPoint(7, 0)).toBe(7);
    expect(toFixedPoint(1e-7, 9)).toBe(100); // written with an exponent
    expect(Object.is(toFixedPoint(-0.001, 2), 0)).toBe(true); // never -0
  });

  it('refuses what is no safe integer once scaled', () => {
    expect(toFixedPoint(1e300, 2)).toBeUndefined();
    expect(toFixedPoint(Number.MAX_SAFE_INTEGER, 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toFixedPoint(Number.MAX_SAFE_INTEGER, 1)).toBeUndefined();
  });

  it('scales integers exactly as integer arithmetic does, or refuses them (seeded, against BigInt)', () => {
    const random = seededRandom(22);
    const limit = BigInt(Number.MAX_SAFE_INTEGER);
    const outcomes = { scaled: 0, refused: 0 };
    for (let i = 0; i < 20_000; i += 1) {
      const decimals = Math.floor(random() * 10);
      // magnitudes from 0 to past 2^53, so that some scale past the safe range and some land near it
      const magnitude = Math.floor(random() * 10 ** Math.floor(random() * 17));
      const value = random() < 0.5 ? -magnitude : magnitude;
      const exact = BigInt(value) * 10n ** BigInt(decimals);
      const want = exact > limit || exact < -limit ? undefined : Number(exact);
      const got = toFixedPoint(value, decimals);
      if (got !== want) throw new Error(`case ${i}: toFixedPoint(${value}, ${decimals}) = ${got}, want ${want}`);
      outcomes[got === undefined ? 'refused' : 'scaled'] += 1;
    }
    // both sides of the safe range were tried, many times each
    expect(outcomes.scaled).toBeGreaterThan(5000);
    expect(outcomes.refused).toBeGreaterThan(1000);
    expect(Object.is(toFixedPoint(-0, 3), 0)).toBe(true);
    expect(toFixedPoint(2 ** 53, 0)).toBeUndefined();
  });

  it('sums exactly whatever the order, where binary floating point does not', () => {
    const prices = [0.1, 0.2, 0.3, 19.99, 0.07, 1234.56];
    const forward = prices.map((p) => toFixedPoint(p, 2)!).reduce((a, b) => a + b, 0);
    const backward = [...prices]
      .reverse()
      .map((p) => toFixedPoint(p, 2)!)
      .reduce((a, b) => a + b, 0);
    expect(forward).toBe(backward);
    expect(fromFixedPoint(forward, 2)).toBe(1255.22);
    expect(fromFixedPoint(toFixedPoint(0.1, 2)! + toFixedPoint(0.2, 2)!, 2)).toBe(0.3);
    expect(0.1 + 0.2).not.toBe(0.3); // what a float sum says
  });

  it('reads back and rounds', () => {
    expect(fromFixedPoint(-1234, 2)).toBe(-12.34);
    expect(fromFixedPoint(5, 0)).toBe(5);
    expect(roundTo(2 / 3, 4)).toBe(0.6667);
    expect(roundTo(-2 / 3, 4)).toBe(-0.6667);
  });
});

describe('fixed point, the fast paths against the decimal text (seeded)', () => {
  /** toFixedPoint and fromFixedPoint as they were before the binary fast paths: the decimal text only. */
  const byText = (value: number, decimals: number): number | undefined => {
    if (Number.isInteger(value)) return toFixedPoint(value, decimals);
    const [mantissa, exponent = '0'] = String(Math.abs(value)).split('e');
    const shifted = Math.round(Number(`${mantissa}e${Number(exponent) + decimals}`));
    const scaled = value < 0 ? -shifted : shifted;
    return Number.isSafeInteger(scaled) ? scaled + 0 : undefined;
  };

  it('scales and reads back as the text does, halves and near-halves included', () => {
    const random = seededRandom(29);
    let halves = 0;
    for (let i = 0; i < 200_000; i += 1) {
      const decimals = Math.floor(random() * 14);
      const digits = 1 + Math.floor(random() * 15);
      let value: number;
      if (i % 3 === 0) {
        // exact halves in decimal (x.xx5): where binary and decimal rounding part ways
        value = Number(`${Math.floor(random() * 10 ** digits)}5e-${decimals + 1}`);
        halves += 1;
      } else if (i % 3 === 1)
        value = (random() - 0.5) * 10 ** (digits - Math.floor(random() * 20)); // any magnitude
      else value = Math.floor(random() * 10 ** digits) / 10 ** Math.floor(random() * 16); // a ratio, as a mean is
      if (random() < 0.5) value = -value;
      const got = toFixedPoint(value, decimals);
      const want = byText(value, decimals);
      if (!Object.is(got, want)) throw new Error(`case ${i}: toFixedPoint(${value}, ${decimals}) = ${got}, the text gives ${want}`);
      const scaled = Math.floor(random() * 10 ** digits) * (random() < 0.5 ? -1 : 1);
      const back = fromFixedPoint(scaled, decimals);
      const text = decimals === 0 ? scaled : Number(`${scaled}e-${decimals}`);
      if (!Object.is(back, text)) throw new Error(`case ${i}: fromFixedPoint(${scaled}, ${decimals}) = ${back}, the text gives ${text}`);
    }
    expect(halves).toBeGreaterThan(60_000);
    expect(roundTo(1.00005, 4)).toBe(1.0001); // a half in decimal, below one in binary
    expect(roundTo(-1.00005, 4)).toBe(-1.0001);
  });
});
