import type { CheckpointOutcome, CheckpointRequest } from './checkpoint-request';

/** The most batches one call takes. */
const MAX_BATCHES_PER_CALL = 16;

interface Waiting {
  request: CheckpointRequest;
  resolve(outcome: CheckpointOutcome): void;
  reject(err: unknown): void;
}

/**
 * Puts a reader's checkpoints that wait at the same time into one call: while one call
 * runs, the batches of other partitions that finish meanwhile wait, then go together (those of
 * one topic counting the same jobs, one batch per partition). In a catch-up every partition's
 * batch spans the same stretch of event time, so each window was read and written once per
 * partition; together, once (docs/benchmarks.md, session 16). A call adds no wait of its own:
 * a batch that finds nothing running goes at once.
 *
 * A call is all or nothing; one refused as a whole (a partition fenced, a window closed
 * meanwhile) is tried again batch by batch, so each caller gets its own batch's outcome, as
 * if it had gone alone. An error (Redis away) is every caller's: each tries again as it would.
 */
export class CheckpointBatcher {
  private waiting: Waiting[] = [];
  private running = false;

  constructor(private readonly apply: (requests: readonly CheckpointRequest[]) => Promise<CheckpointOutcome>) {}

  checkpoint(request: CheckpointRequest): Promise<CheckpointOutcome> {
    return new Promise((resolve, reject) => {
      // its deltas as a list: a call refused as a whole reads them again, batch by batch
      this.waiting.push({ request: { ...request, deltas: [...request.deltas] }, resolve, reject });
      if (!this.running) {
        this.running = true;
        // the batches that finish counting in this turn of the event loop go together
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.run(this.nextGroup());
    } finally {
      this.running = false;
    }
  }

  /** The first waiting batch and those that may go with it; the others keep their turn. */
  private nextGroup(): Waiting[] {
    const signature = signatureOf(this.waiting[0]!.request);
    const group: Waiting[] = [];
    const rest: Waiting[] = [];
    const partitions = new Set<number>();
    for (const w of this.waiting) {
      const fits = group.length < MAX_BATCHES_PER_CALL && !partitions.has(w.request.partition) && signatureOf(w.request) === signature;
      if (fits) {
        group.push(w);
        partitions.add(w.request.partition);
      } else rest.push(w);
    }
    this.waiting = rest;
    return group;
  }

  private async run(group: Waiting[]): Promise<void> {
    let outcome: CheckpointOutcome;
    try {
      outcome = await this.apply(group.map((w) => w.request));
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    if (outcome === 'OK' || group.length === 1) {
      for (const w of group) w.resolve(outcome);
      return;
    }
    // refused as a whole, nothing written: each batch alone, for its own outcome
    for (const w of group) {
      try {
        w.resolve(await this.apply([w.request]));
      } catch (err) {
        w.reject(err);
      }
    }
  }
}

/** Batches that may share a call: one reader's (live or catch-up), of one topic, counting the same jobs. */
function signatureOf(request: CheckpointRequest): string {
  return `${request.epoch === '' ? 'catch-up' : 'live'}\n${request.topic}\n${[...request.closedSeen.keys()].join('\n')}`;
}
