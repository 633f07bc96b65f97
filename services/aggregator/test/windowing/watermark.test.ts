import { globalWatermark, isIdle, PartitionProgress } from '../../src/windowing/watermark';

const busy = (partition: number, maxTs: number): PartitionProgress => ({
  partition,
  maxTs,
  committedOffset: 5,
  endOffset: 10,
  startOffset: 0,
  progressAt: 1000,
});
const caughtUp = (partition: number, maxTs: number, progressAt: number): PartitionProgress => ({
  partition,
  maxTs,
  committedOffset: 10,
  endOffset: 10,
  startOffset: 0,
  progressAt,
});

describe('watermarks and idleness', () => {
  it('is the lowest partition watermark minus the lateness', () => {
    expect(globalWatermark([busy(0, 5000), busy(1, 3000)], 1000, 10_000, 5000)).toBe(2000);
  });

  it('a partition with records not yet counted is never idle, however long it has not moved', () => {
    expect(isIdle(busy(0, 1), 1_000_000, 5000)).toBe(false);
    expect(isIdle({ partition: 0, endOffset: 3, startOffset: 0 }, 1_000_000, 5000)).toBe(false);
  });

  it('a caught-up partition becomes idle after the timeout and stops holding windows open', () => {
    const slow = caughtUp(1, 1000, 9000);
    expect(isIdle(slow, 10_000, 5000)).toBe(false);
    expect(globalWatermark([busy(0, 8000), slow], 0, 10_000, 5000)).toBe(1000);
    expect(isIdle(slow, 14_000, 5000)).toBe(true);
    expect(globalWatermark([busy(0, 8000), slow], 0, 14_000, 5000)).toBe(8000);
  });

  it('an empty partition that was never consumed is idle at once', () => {
    expect(isIdle({ partition: 2, endOffset: 0, startOffset: 0 }, 0, 5000)).toBe(true);
  });

  it('a busy partition that has not checkpointed yet holds every window open', () => {
    expect(globalWatermark([busy(0, 8000), { partition: 1, endOffset: 4, startOffset: 0 }], 0, 10_000, 5000)).toBe(-Infinity);
  });

  it('when every partition is idle, event time follows the wall clock so windows close while input pauses', () => {
    const all = [caughtUp(0, 5000, 0), caughtUp(1, 4000, 0)];
    expect(globalWatermark(all, 1000, 6000, 5000)).toBe(4000); // highest event time 5000 - lateness
    expect(globalWatermark(all, 1000, 60_000, 5000)).toBe(54_000); // now - idle - lateness
  });
});
