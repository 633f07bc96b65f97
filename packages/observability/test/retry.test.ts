import { Backoff, retry } from '../src/retry';

const fast = { initialMs: 1, maxMs: 4 };

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
    const backoff = new Backoff({ initialMs: 100, maxMs: 500 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400, 500]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
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
      const outcome = expect(retry(flaky.call, { initialMs: 50, maxMs: 50, withinMs: 120 })).rejects.toThrow('failure 3');
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
