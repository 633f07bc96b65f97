import type { CellOp } from '../aggregates/aggregate';
import type { WindowDelta } from './batch-aggregator';
import { foldRow } from './cell-fold';

/**
 * Session windows, the batch's part. A session is one key's: its events less than `gapMs`
 * apart, from the first event to the last plus the gap ([start, end), as every window here).
 * A batch cuts each key's events (sorted by time) into the sessions it sees alone; the
 * checkpoint script then merges each with the key's open sessions it overlaps (a late event
 * can bridge two), so sessions that span batches and partitions come out whole
 * (state/scripts.ts, CHECKPOINT_BATCH).
 *
 * An event is late for a session job when its own session ([ts, ts + gap)) ended at or before
 * its partition's watermark, or when it is older than the job's closed point (the end of the
 * newest session closed): it might belong to a session whose final result is out.
 */
export function isLateForSession(ts: number, gapMs: number, partitionWatermark: number, closedBefore: number): boolean {
  return ts + gapMs <= partitionWatermark || ts < closedBefore;
}

/** One event of a key: its time and its value per state cell. */
interface SessionEvent {
  ts: number;
  values: readonly (number | string | null)[];
}

/** The longest key a session may have: its key is part of the session's result and record key. */
export const MAX_SESSION_KEY_LENGTH = 16 * 1024;

/** A session job's events over one batch, per key; cut into sessions at the end. */
export class SessionTally {
  private readonly byKey = new Map<string, SessionEvent[]>();

  constructor(
    private readonly stateId: string,
    private readonly gapMs: number,
    private readonly ops: readonly CellOp[],
  ) {}

  add(key: string, ts: number, values: readonly (number | string | null)[]): void {
    let events = this.byKey.get(key);
    if (!events) this.byKey.set(key, (events = []));
    events.push({ ts, values: this.ops.length > 0 ? [...values] : [] });
  }

  /** Each key's sessions in this batch, oldest first, as window deltas keyed by their session. */
  deltas(): WindowDelta[] {
    const out: WindowDelta[] = [];
    for (const [key, events] of this.byKey) {
      events.sort((a, b) => a.ts - b.ts);
      let session: WindowDelta | undefined;
      let last = -Infinity;
      for (const event of events) {
        if (!session || event.ts - last >= this.gapMs) {
          session = this.open(key, event.ts);
          out.push(session);
        }
        last = event.ts;
        session.windowEnd = event.ts + this.gapMs;
        session.counts.set(key, session.counts.get(key)! + 1);
        this.fold(session, key, event.values);
      }
    }
    return out;
  }

  private open(key: string, start: number): WindowDelta {
    return {
      job: this.stateId,
      windowStart: start,
      windowEnd: start + this.gapMs,
      sessionKey: key,
      counts: new Map([[key, 0]]),
      ...(this.ops.length > 0 ? { cells: new Map() } : {}),
    };
  }

  private fold(session: WindowDelta, key: string, values: readonly (number | string | null)[]): void {
    if (this.ops.length > 0) foldRow(session.cells!, this.ops, key, values);
  }
}
