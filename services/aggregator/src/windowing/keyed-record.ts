/**
 * An object keyed by data (a window's keys: routes, users, any text), without a prototype. Any
 * key is its own property, `__proto__` and `constructor` included (on `{}` a key "__proto__"
 * was silently dropped), and V8 keeps it as a dictionary from the start: an ordinary object
 * given a few keys of arbitrary names builds a hidden class per new name, and reading a
 * catch-up's windows into such objects was 7% of the routes catch-up's CPU
 * (docs/benchmarks.md, session 17).
 */
export function keyedRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
