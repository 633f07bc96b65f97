export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** describes the condition in the timeout error */
  what?: string;
}

/** What a condition returns when it holds: anything but false, 0, '', null and undefined. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Polls `condition` until it returns a truthy value and resolves with it; rejects after
 * `timeoutMs` naming what was awaited and the last error seen. Tests wait on this, never sleep.
 * A condition may also throw (an `expect` not yet met): the timeout error then carries its message.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 50, what = 'condition' }: WaitOptions = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as Truthy<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const suffix = lastError ? `; last error: ${(lastError as Error).message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${suffix}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
