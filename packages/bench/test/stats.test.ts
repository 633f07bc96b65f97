import { highestSustained, markerLatencies, percentile, slope, type StepResult } from '../src';

describe('the benchmark figures', () => {
  it('percentile by nearest rank; slope by least squares', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
    expect(slope([0, 1, 2, 3].map((t) => ({ t, y: 5 + 2 * t })))).toBeCloseTo(2);
    expect(slope([{ t: 0, y: 1 }])).toBe(0);
  });

  it('a marker latency per (client, marker) of the minute; a marker a client never saw is missing', () => {
    const sentAt = [NaN, 1000, 1100, 1200];
    const seen = [
      [0, 1010, 1150, 1230],
      [0, 1020, 1120], // never saw marker 3
    ];
    expect(markerLatencies({ seen }, sentAt, 2, 3)).toEqual({ sorted: [20, 30, 50], samples: 3, missing: 1 });
  });

  it('the highest step sustained kept its pace within 5% with a bounded lag', () => {
    const step = (rate: number, produced: number, bounded: boolean) => ({ rate, produced, bounded }) as StepResult;
    expect(highestSustained([step(1000, 1000, true), step(10_000, 9600, true), step(50_000, 30_000, true), step(100_000, 99_000, false)])?.rate).toBe(10_000);
    expect(highestSustained([step(1000, 900, true)])).toBeUndefined();
  });
});
