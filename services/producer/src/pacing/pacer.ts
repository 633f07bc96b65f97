/** When the next event may go out, and the event time it carries. */
export interface PaceDecision {
  /** how long to wait from `now` before sending, ms (0 = send now) */
  delayMs: number;
  /** event time for the event, epoch ms */
  ts: number;
}

export interface Pacer {
  /** Decides for the next event; `dataTime` is the row's own time (ms) from the data: the user_log's day, a declared timestamp. */
  next(now: number, dataTime: number): PaceDecision;
  /**
   * Decides for a refused row (a dead letter): it takes a slot of a fixed rate like an event,
   * so a file of bad rows cannot go out faster than the pace; rows without a date are not
   * held back by the data's dates.
   */
  nextRefused(now: number): PaceDecision;
  /** A new pass over the file begins (--loop). */
  startPass(): void;
}

export type PaceSettings = { mode: 'max' } | { mode: 'fixed'; eventsPerSecond: number } | { mode: 'dates'; speedup: number };

/** As fast as Kafka takes them; event time is the send time. */
class MaxPacer implements Pacer {
  next(now: number): PaceDecision {
    return { delayMs: 0, ts: now };
  }
  nextRefused(now: number): PaceDecision {
    return this.next(now);
  }
  startPass(): void {}
}

/**
 * A steady `eventsPerSecond`; event time is the slot's time. After a stall (the broker was
 * away) it re-anchors instead of bursting to catch up, so consumers see the same pace.
 */
class FixedRatePacer implements Pacer {
  private anchor: number | undefined;
  private sent = 0;
  private readonly intervalMs: number;
  private static readonly MAX_BEHIND_MS = 1000;

  constructor(eventsPerSecond: number) {
    this.intervalMs = 1000 / eventsPerSecond;
  }

  next(now: number): PaceDecision {
    if (this.anchor === undefined) this.anchor = now;
    let slot = this.anchor + this.sent * this.intervalMs;
    if (now - slot > FixedRatePacer.MAX_BEHIND_MS) {
      this.anchor = now;
      this.sent = 0;
      slot = now;
    }
    this.sent += 1;
    return { delayMs: Math.max(0, slot - now), ts: Math.round(Math.max(slot, now)) };
  }

  nextRefused(now: number): PaceDecision {
    return this.next(now);
  }

  startPass(): void {}
}

/**
 * Replays the data's own times (the user_log's days, a declared source's timestamps),
 * `speedup` times faster than real time: the first row's time is "now", a row one day later
 * goes out 86,400,000 / speedup ms later, and its event time
 * is that moment on the replay timeline. Rows dated before the timeline's current point go
 * out at once with their own (earlier) time, so they arrive late, as they did in the data.
 */
class DataDatePacer implements Pacer {
  private origin: { wall: number; data: number } | undefined;
  constructor(private readonly speedup: number) {}

  next(now: number, dataTime: number): PaceDecision {
    this.origin ??= { wall: now, data: dataTime };
    const target = Math.round(this.origin.wall + (dataTime - this.origin.data) / this.speedup);
    return { delayMs: Math.max(0, target - now), ts: target };
  }

  nextRefused(now: number): PaceDecision {
    return { delayMs: 0, ts: now };
  }

  startPass(): void {
    // each pass replays the data's dates again from "now"
    this.origin = undefined;
  }
}

export function createPacer(settings: PaceSettings): Pacer {
  switch (settings.mode) {
    case 'max':
      return new MaxPacer();
    case 'fixed':
      return new FixedRatePacer(settings.eventsPerSecond);
    case 'dates':
      return new DataDatePacer(settings.speedup);
  }
}

/** The row's date as UTC midnight of `year`; month and day are 1-based. */
export function dataDay(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day);
}
