/**
 * The one retry-with-backoff of the project: the producer's batch resend, the aggregator's
 * batch processing, topic creation and the gateway's wait for its topic all wait the same way.
 */

export interface BackoffOptions {
  /** the first wait */
  initialMs: number;
  /** no wait is longer */
  maxMs: number;
  /**
   * How much of each wait is random, 0..1 (default 0.5: a wait of 400 ms is anywhere from 200
   * to 400). Without it every client that lost the same broker or Redis at the same moment
   * retries at the same moments too, in lockstep, long after the outage.
   */
  jitter?: number;
  /** where randomness comes from, 0 <= x < 1 (tests pass their own) */
  random?: () => number;
}

/** Waits that double from `initialMs` up to `maxMs`, each shortened by a random part (jitter). */
export class Backoff {
  private upcoming: number;

  constructor(private readonly options: BackoffOptions) {
    this.upcoming = options.initialMs;
  }

  /** The wait to use now; the next one is up to twice as long (capped). */
  next(): number {
    const base = this.upcoming;
    this.upcoming = Math.min(this.options.maxMs, base * 2);
    const jitter = Math.min(1, Math.max(0, this.options.jitter ?? 0.5));
    return Math.round(base * (1 - jitter * (this.options.random ?? Math.random)()));
  }

  /** Back to the first wait, after a success. */
  reset(): void {
    this.upcoming = this.options.initialMs;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface RetryOptions extends BackoffOptions {
  /** give up after this many calls and rethrow the last error (default: never) */
  attempts?: number;
  /** give up, rethrowing the last error, when the next wait would end after this many ms */
  withinMs?: number;
  /**
   * Called after each failure that will be retried, before the wait. Throwing from it stops
   * the retries with that error: the caller's way to say "this one is final".
   */
  onFailure?(err: unknown, attempt: number, retryInMs: number): void;
}

/** Calls `call` until it resolves, waiting longer after each failure. */
export async function retry<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const backoff = new Backoff(options);
  const deadline = options.withinMs === undefined ? Infinity : Date.now() + options.withinMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(attempt);
    } catch (err) {
      const delay = backoff.next();
      if (attempt >= (options.attempts ?? Infinity) || Date.now() + delay > deadline) throw err;
      options.onFailure?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}
