import { CatchUpRate, recordsBehind } from '../../src/lifecycle/job-progress';

describe("a job's progress", () => {
  it('counts the records behind the live reader over every partition, none where the live reader never read', () => {
    expect(
      recordsBehind([
        { committedOffset: 40, liveOffset: 100 },
        { committedOffset: 120, liveOffset: 100 },
        { committedOffset: 0 },
        { committedOffset: 10, liveOffset: 25 },
      ]),
    ).toBe(75);
  });

  it('is backfilling while behind, with a time left from the smoothed rate; live at 0; partial said', () => {
    const rate = new CatchUpRate();
    expect(rate.progress(10_000, 0, false)).toEqual({ status: 'backfilling', behind: 10_000 });
    expect(rate.progress(8_000, 1000, false)).toEqual({ status: 'backfilling', behind: 8_000, etaSeconds: 4 });
    // slower now: the estimate moves, smoothed (0.7 × 2,000/s + 0.3 × 1,000/s = 1,700/s)
    expect(rate.progress(7_000, 2000, true)).toEqual({ status: 'backfilling', behind: 7_000, etaSeconds: 5, partial: true });
    expect(rate.progress(0, 3000, false)).toEqual({ status: 'live', behind: 0 });
  });
});
