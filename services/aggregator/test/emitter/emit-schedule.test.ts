import { silentLogger } from '@streamtally/observability';
import { waitFor } from '@streamtally/test-support';
import { EmitSchedule } from '../../src/emitter/emit-schedule';

describe('EmitSchedule', () => {
  let schedule: EmitSchedule | undefined;
  afterEach(async () => {
    await schedule?.stop();
    schedule = undefined;
  });

  it('runs one tick after another, never two at once, and stop() waits for the one running', async () => {
    let running = 0;
    let overlapped = false;
    let ticks = 0;
    let release: () => void = () => {};
    schedule = new EmitSchedule(
      async () => {
        running += 1;
        overlapped ||= running > 1;
        ticks += 1;
        // the third tick hangs until released: intervals keep firing meanwhile
        if (ticks === 3) await new Promise<void>((resolve) => (release = resolve));
        running -= 1;
      },
      1,
      silentLogger(),
    );
    schedule.start();
    await waitFor(() => ticks === 3, { what: 'the third tick' });
    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false); // the third tick still runs
    release();
    await stopping;
    expect(overlapped).toBe(false);
    expect(ticks).toBe(3); // no tick after stop
  });

  it('remembers the last failure until a tick succeeds', async () => {
    let ticks = 0;
    const seenByTick: (string | null)[] = [];
    schedule = new EmitSchedule(
      async () => {
        seenByTick.push(schedule!.lastError);
        ticks += 1;
        if (ticks === 1) throw new Error('Redis is loading');
      },
      1,
      silentLogger(),
    );
    schedule.start();
    await waitFor(() => ticks >= 3, { what: 'three ticks' });
    // the second tick starts after the failed first; the third after the second succeeded
    expect(seenByTick.slice(0, 3)).toEqual([null, 'Redis is loading', null]);
    expect(schedule.lastError).toBeNull();
  });

  it('says how long the running tick has run: one that never ends is seen, not silent', async () => {
    let now = 10_000;
    let release: () => void = () => {};
    let ticks = 0;
    schedule = new EmitSchedule(
      async () => {
        ticks += 1;
        if (ticks === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      1,
      silentLogger(),
      () => now,
    );
    expect(schedule.runningForMs()).toBe(0);
    schedule.start();
    await waitFor(() => ticks === 1, { what: 'a tick' });
    now += 45_000;
    expect(schedule.runningForMs()).toBe(45_000);
    release();
    await schedule.stop();
    expect(schedule.runningForMs()).toBe(0);
  });
});
