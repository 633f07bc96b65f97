import { Backoff, retry } from '../src/retry';

const fast = { initialMs: 1, maxMs: 4, jitter: 0 };

function failingTimes(n: number, value = 'done') {
  let calls = 0;
  return {
    call: async (): Promise<string> => {
      calls += 1;
      if (calls <= n) throw new Error(`failure ${calls}`);
      return value;
    },
    get calls() {
      return calls;
    },
  };
}

describe('Backoff', () => {
  it('doubles each wait up to the cap, and starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 500, jitter: 0 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400, 500]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('takes a random part off each wait, at most the jitter share, so clients that failed together spread out', () => {
    const at = (x: number) => new Backoff({ initialMs: 100, maxMs: 800, random: () => x });
    const waits = (backoff: Backoff) => [backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()];
    expect(waits(at(0))).toEqual([100, 200, 400, 800, 800]);
    expect(waits(at(0.999999))).toEqual([50, 100, 200, 400, 400]); // the default jitter: half of each wait at most
    expect(waits(new Backoff({ initialMs: 100, maxMs: 800, jitter: 1, random: () => 0.25 }))).toEqual([75, 150, 300, 600, 600]);
    const spread = new Set(Array.from({ length: 50 }, () => new Backoff({ initialMs: 1000, maxMs: 1000 }).next()));
    expect(spread.size).toBeGreaterThan(10);
    for (const wait of spread) expect(wait).toBeGreaterThanOrEqual(500);
  });
});

describe('retry', () => {
  it('returns the first success, after as many failures as it takes', async () => {
    const flaky = failingTimes(3);
    const seen: Array<[number, number]> = [];
    await expect(retry(flaky.call, { ...fast, onFailure: (_err, attempt, delay) => seen.push([attempt, delay]) })).resolves.toBe('done');
    expect(flaky.calls).toBe(4);
    expect(seen).toEqual([
      [1, 1],
      [2, 2],
      [3, 4],
    ]);
  });

  it('rethrows the last error once the attempts are used up', async () => {
    const flaky = failingTimes(10);
    await expect(retry(flaky.call, { ...fast, attempts: 3 })).rejects.toThrow('failure 3');
    expect(flaky.calls).toBe(3);
  });

  it('gives up when the next wait would end past the time allowed', async () => {
    // on the fake clock: with real timers a late timer (a loaded CI machine) moved the cut-off
    jest.useFakeTimers();
    try {
      const flaky = failingTimes(10);
      const outcome = expect(retry(flaky.call, { initialMs: 50, maxMs: 50, jitter: 0, withinMs: 120 })).rejects.toThrow('failure 3');
      await jest.advanceTimersByTimeAsync(200);
      await outcome;
      expect(flaky.calls).toBe(3); // at 0, 50 and 100 ms; a wait from 100 would end at 150
    } finally {
      jest.useRealTimers();
    }
  });

  it('stops at once with what onFailure throws (a final error)', async () => {
    const flaky = failingTimes(10);
    const final = new Error('not retriable');
    await expect(
      retry(flaky.call, {
        ...fast,
        onFailure: () => {
          throw final;
        },
      }),
    ).rejects.toBe(final);
    expect(flaky.calls).toBe(1);
  });
});
