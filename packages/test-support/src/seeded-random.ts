/**
 * A small seeded generator (an LCG): the same seed gives the same cases on every run, so a
 * failing case can be replayed. Tests draw their random input from this, never Math.random.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
}
