/**
 * The one retry-with-backoff of the project: the producer's batch resend, the aggregator's
 * batch processing, topic creation and the gateway's wait for its topic all wait the same way.
 */

export interface BackoffOptions {
  /** the first wait */
  initialMs: number;
  /** no wait is longer */
  maxMs: number;
}

/** Waits that double from `initialMs` up to `maxMs`. */
export class Backoff {
  private upcoming: number;

  constructor(private readonly options: BackoffOptions) {
    this.upcoming = options.initialMs;
  }

  /** The wait to use now; the next one is twice as long (capped). */
  next(): number {
    const delay = this.upcoming;
    this.upcoming = Math.min(this.options.maxMs, delay * 2);
    return delay;
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
