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

  it('waits on an expectation until it holds, and times out with its difference', async () => {
    const seen: number[] = [];
    const held = waitFor(
      () => {
        seen.push(seen.length);
        expect(seen.length).toBe(3);
        return true;
      },
      { intervalMs: 1 },
    );
    await expect(held).resolves.toBe(true);
    const never = waitFor(() => expect({ a: 1 }).toEqual({ a: 2 }), { timeoutMs: 20, intervalMs: 5, what: 'a of 2' });
    await expect(never).rejects.toThrow(/waiting for a of 2; last error: expect\(received\)\.toEqual\(expected\)[\s\S]*"a": 2/);
  });
});

describe('uniqueName', () => {
  it('never repeats', () => {
    expect(uniqueName('t')).not.toBe(uniqueName('t'));
    expect(uniqueName('topic')).toMatch(/^topic-[0-9a-f-]{36}$/);
  });
});
