import { encodeUserActionText, type UserActionEvent } from '@streamtally/contracts';
import type { Producer } from '@streamtally/kafka-client';
import { sleep } from '@streamtally/observability';

/*
 * Event-to-screen latency is measured exactly with marker events: ten a second, written by
 * the driver to the input topic (acks=all), each a user action of one reserved user id, so
 * all go to one partition in order. A dedicated job (MARKER_JOB: a running total of that
 * user's events, emitted as often as the tightest default job) counts them; when a client
 * holds a count >= k, marker k has reached its screen. Latency of marker k at a client = the
 * first time the client held a count >= k - the time the driver began writing marker k.
 */

export const MARKERS_PER_S = 10;
/** no generated or real row has it */
export const MARKER_USER = 999_999_999_999;
export const MARKER_JOB = 'bench-markers';

/** The job that counts the markers, on `source`. */
export function markerJob(source: string, emitEveryMs: number) {
  return { name: MARKER_JOB, source, filter: `user_id == ${MARKER_USER}`, key: { field: 'user_id' }, window: { type: 'running' }, emitEveryMs };
}

/** Marker k as the producer would write it: a valid user action of the reserved user. */
export function markerEvent(k: number, ts: number): UserActionEvent {
  return {
    user_id: MARKER_USER,
    item_id: k,
    cat_id: 0,
    merchant_id: 0,
    brand_id: null,
    month: 11,
    day: 11,
    action: 0,
    age_range: 0,
    gender: 2,
    province: 'bench',
    ts,
    line: k,
  };
}

/** Writes markers one at a time (in order on their partition) until stopped. */
export class MarkerWriter {
  /** sentAt[k]: when marker k was handed to Kafka (index 0 unused) */
  readonly sentAt: number[] = [NaN];
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.write();
  }

  /** The number of the next marker. */
  get next(): number {
    return this.sentAt.length;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async write(): Promise<void> {
    for (let k = 1; this.running; k += 1) {
      const due = Date.now() + 1000 / MARKERS_PER_S;
      const ts = Date.now();
      this.sentAt[k] = ts;
      const value = encodeUserActionText(markerEvent(k, ts));
      await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key: String(MARKER_USER), value }] });
      await sleep(Math.max(0, due - Date.now()));
    }
  }
}

/** Every (client, marker) pair of markers first..last: its latency (arrival minus hand-over to Kafka), sorted, or missing. */
export function markerLatencies(
  report: { seen: readonly (readonly number[])[] },
  sentAt: readonly number[],
  first: number,
  last: number,
): { sorted: number[]; samples: number; missing: number } {
  const latencies: number[] = [];
  let missing = 0;
  for (const marks of report.seen) {
    for (let k = first; k <= last; k += 1) {
      if (marks[k] === undefined) missing += 1;
      else latencies.push(marks[k]! - sentAt[k]!);
    }
  }
  latencies.sort((a, b) => a - b);
  return { sorted: latencies, samples: latencies.length, missing };
}
