import { createPacer, dataDay } from '../../src/pacing/pacer';

describe('pacers', () => {
  it('max: no delay, event time is now', () => {
    const pacer = createPacer({ mode: 'max' });
    expect(pacer.next(1000, 0)).toEqual({ delayMs: 0, ts: 1000 });
  });

  it('fixed: spaces events 1/rate apart and stamps each with its slot', () => {
    const pacer = createPacer({ mode: 'fixed', eventsPerSecond: 10 });
    expect(pacer.next(1000, 0)).toEqual({ delayMs: 0, ts: 1000 });
    expect(pacer.next(1000, 0)).toEqual({ delayMs: 100, ts: 1100 });
    expect(pacer.next(1150, 0)).toEqual({ delayMs: 50, ts: 1200 });
  });

  it('fixed: after a stall it re-anchors instead of bursting to catch up', () => {
    const pacer = createPacer({ mode: 'fixed', eventsPerSecond: 10 });
    pacer.next(0, 0);
    expect(pacer.next(60_000, 0)).toEqual({ delayMs: 0, ts: 60_000 });
    expect(pacer.next(60_000, 0)).toEqual({ delayMs: 100, ts: 60_100 });
  });

  it('dates: a data day later goes out 86,400,000/speedup ms later, stamped on the replay timeline', () => {
    const pacer = createPacer({ mode: 'dates', speedup: 86_400 });
    const may11 = dataDay(2015, 5, 11);
    expect(pacer.next(5000, may11)).toEqual({ delayMs: 0, ts: 5000 });
    expect(pacer.next(5000, dataDay(2015, 5, 12))).toEqual({ delayMs: 1000, ts: 6000 });
    // an earlier date than the timeline goes out at once with its own earlier time
    expect(pacer.next(6000, may11)).toEqual({ delayMs: 0, ts: 5000 });
  });

  it('dates: each pass of a loop starts the timeline again from now', () => {
    const pacer = createPacer({ mode: 'dates', speedup: 86_400 });
    pacer.next(0, dataDay(2015, 5, 11));
    pacer.startPass();
    expect(pacer.next(9000, dataDay(2015, 5, 11))).toEqual({ delayMs: 0, ts: 9000 });
  });
});
