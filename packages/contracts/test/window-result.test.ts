import { decodeWindowResult, encodeWindowResult, supersedes, WindowResult, windowResultKey } from '../src';

const result: WindowResult = {
  job: 'gender-per-second', windowStart: 1000, windowEnd: 2000, counts: { '0': 1, '1': 6, '2': 3 },
  final: false, version: 20, emittedAt: 5,
};

describe('window result codec', () => {
  it('round-trips and keys by job and window start', () => {
    expect(decodeWindowResult(encodeWindowResult(result))).toEqual({ ok: true, value: result });
    expect(windowResultKey('gender-per-second', 1000)).toBe('gender-per-second@1000');
  });

  it('accepts a running total with no window end', () => {
    expect(decodeWindowResult(JSON.stringify({ ...result, windowStart: 0, windowEnd: null })).ok).toBe(true);
  });

  it('names a negative count by its key', () => {
    const decoded = decodeWindowResult(JSON.stringify({ ...result, counts: { '1': -2 } }));
    expect(decoded).toMatchObject({ ok: false, error: 'field counts.1: expected a non-negative integer' });
  });

  it('only a higher version supersedes', () => {
    expect(supersedes({ ...result, version: 21 }, result)).toBe(true);
    expect(supersedes({ ...result, version: 20 }, result)).toBe(false);
    expect(supersedes({ ...result, version: 3 }, result)).toBe(false);
    expect(supersedes(result, undefined)).toBe(true);
  });
});
