/**
 * Decimal values kept as integers: a value with `decimals` places is stored times 10^decimals,
 * so sums are exact integer additions whatever order a replay adds them in (binary floating
 * point would give a result that depends on it).
 */

/** The value times 10^decimals, rounded half away from zero on its decimal digits; undefined when that is no safe integer. */
export function toFixedPoint(value: number, decimals: number): number | undefined {
  // an integer (most fields: counts, delays, distances) is scaled by multiplying: both factors
  // are exact, so the product is exact wherever it is a safe integer, and refused where not.
  // The decimal text below was 3% of the stats catch-up's CPU (docs/benchmarks.md, session 22)
  if (Number.isInteger(value)) {
    const product = decimals === 0 ? value : value * 10 ** decimals;
    return Number.isSafeInteger(product) ? product + 0 : undefined; // + 0: no -0
  }
  // the binary product rounds as the decimal text below does wherever it is not within a few
  // units in the last place of a half (the text and the product differ by less than two):
  // the text's strings were most of an average's cost in a stats catch-up's results
  // (docs/benchmarks.md, session 29). Powers of ten up to 10^22 are exact doubles.
  const product = Math.abs(value) * 10 ** decimals;
  if (product < EXACT && decimals <= 22 && Math.abs(product - Math.floor(product) - 0.5) > product * NEAR_HALF) {
    const rounded = Math.round(product);
    return (value < 0 ? -rounded : rounded) + 0; // + 0: no -0
  }
  // shifting the exponent of the shortest decimal text rounds 1.005 to 101, as written, not to
  // 100 as 1.005 * 100 = 100.49999999999999 would
  const [mantissa, exponent = '0'] = String(Math.abs(value)).split('e');
  const shifted = Math.round(Number(`${mantissa}e${Number(exponent) + decimals}`));
  const scaled = value < 0 ? -shifted : shifted;
  return Number.isSafeInteger(scaled) ? scaled + 0 : undefined; // + 0: no -0
}

/**
 * A stored fixed-point integer back as the decimal it stands for: the double nearest to
 * scaled / 10^decimals. Both are exact doubles up to 10^22, so IEEE division gives it, as
 * reading the text `<scaled>e-<decimals>` does.
 */
export function fromFixedPoint(scaled: number, decimals: number): number {
  if (decimals === 0) return scaled;
  return decimals <= 22 && Number.isSafeInteger(scaled) ? scaled / 10 ** decimals + 0 : Number(`${scaled}e-${decimals}`); // + 0: no -0, as the text
}

/** Below 2^52 a product's fraction is exact to the digit rounding looks at. */
const EXACT = 2 ** 52;
/** How near a half (relative to the product) the fast path leaves rounding to the decimal text: 16 units in the last place. */
const NEAR_HALF = 2 ** -48;

/** `value` rounded half away from zero to `places` decimals, on its decimal digits (as toFixedPoint). */
export function roundTo(value: number, places: number): number {
  const scaled = toFixedPoint(value, places);
  return scaled === undefined ? value : fromFixedPoint(scaled, places);
}
