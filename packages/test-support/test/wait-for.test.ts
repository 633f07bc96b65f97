import { uniqueName, waitFor } from '../src';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? calls : 0), { intervalMs: 1 })).resolves.toBe(3);
  });

  it('times out naming what it waited for and the last error', async () => {
    const failing = waitFor(
      () => {
        throw new Error('boom');
      },
      { timeoutMs: 30, intervalMs: 5, what: 'the answer' },
    );
    await expect(failing).rejects.toThrow(/waiting for the answer; last error: boom/);
  });
});

describe('uniqueName', () => {
  it('never repeats', () => {
    expect(uniqueName('t')).not.toBe(uniqueName('t'));
    expect(uniqueName('topic')).toMatch(/^topic-[0-9a-f-]{36}$/);
  });
});
