import { buildResult, resultVersion } from '../../src/windowing/results';

describe('result versions', () => {
  it('grow with the counts, and a final outranks a provisional with the same counts', () => {
    expect(resultVersion({ '0': 1, '1': 6, '2': 3 }, false)).toBe(20);
    expect(resultVersion({ '0': 1, '1': 6, '2': 3 }, true)).toBe(21);
    expect(resultVersion({ '0': 2, '1': 6, '2': 3 }, false)).toBeGreaterThan(resultVersion({ '0': 1, '1': 6, '2': 3 }, true));
  });

  it('builds the documented result record', () => {
    expect(buildResult('g', 1000, 2000, { '1': 2 }, true, 5)).toEqual({
      job: 'g', windowStart: 1000, windowEnd: 2000, counts: { '1': 2 }, final: true, version: 5, emittedAt: 5,
    });
  });
});
