import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { silentLogger } from '@streamtally/observability';
import type { ProblemCode } from '@streamtally/contracts';
import type { OutgoingBatch } from '../../src/replay/outgoing-batch';
import { replayOnThread, ReplayThreadHandle } from '../../src/replay/replay-on-thread';
import { runReplayThread, type ReplayThreadData } from '../../src/replay/replay-thread';
import { generateUserLog } from '../../src/sample-data/generator';

// Both sides of the replay thread, joined by a MessageChannel in this thread: the same
// messages and transfers as between a Worker and the main thread (the Worker itself runs in
// replay.int.test.ts and the producer-signals pipeline test, from the compiled code).

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-thread-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fileOf(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function dataFor(file: string, overrides: Partial<ReplayThreadData> = {}): ReplayThreadData {
  return {
    settings: { file, deadLetterTopic: 'dlq', loop: false },
    rows: { kind: 'user-log', userLog: { year: 2015, maxRowBytes: 4096, maxFieldBytes: 256 } },
    events: { topic: 'events', maxRecordBytes: 1024 * 1024 },
    inputFile: file,
    pace: { mode: 'max' },
    batch: { maxMessages: 100, maxBytes: 1024 * 1024 },
    readChunkBytes: 4096,
    ...overrides,
  };
}

/** Runs the thread's side here; `terminate` closes the channel as ending a Worker would. */
function inProcessThread(): { start: (data: ReplayThreadData) => ReplayThreadHandle; terminated: () => boolean } {
  let terminated = false;
  return {
    terminated: () => terminated,
    start: (data) => {
      const { port1, port2 } = new MessageChannel();
      const lifecycle = new EventEmitter();
      void runReplayThread(port2, data, silentLogger());
      return {
        postMessage: (message, transfer) => port1.postMessage(message, transfer),
        on: (event: string, listener: (...args: unknown[]) => void) => (event === 'message' ? port1.on('message', listener) : lifecycle.on(event, listener)),
        terminate: () => {
          terminated = true;
          port1.close();
        },
      } as ReplayThreadHandle;
    },
  };
}

/**
 * Keeps the lines of what is delivered, read at delivery: once acknowledged, a batch's buffers
 * travel back to the replay thread and its Buffers read empty.
 */
function deliveries() {
  const events: number[] = [];
  const deadLetters: number[] = [];
  const batches: OutgoingBatch[] = [];
  const keep = (batch: OutgoingBatch) => {
    batches.push(batch);
    const messages = (topic: string) => (batch.byTopic.get(topic) ?? []).map((m) => JSON.parse(m.value.toString()));
    events.push(...messages('events').map((e) => e.line));
    deadLetters.push(...messages('dlq').map((d) => d.source.line));
  };
  return { events, deadLetters, batches, keep };
}

describe('replaying on a thread of its own', () => {
  const rows = [...generateUserLog({ rows: 3000, seed: 8, badRowFraction: 0.02 })];

  it('delivers every event and dead letter through the main thread, with the summary and progress the replay reports', async () => {
    const file = fileOf('all.csv', rows);
    const delivered = deliveries();
    const progress = { bytes: 0, events: 0, deadLetters: {} as Record<string, number> };
    const thread = inProcessThread();
    const summary = await replayOnThread(dataFor(file), {
      startThread: thread.start,
      deliver: async (batch) => delivered.keep(batch),
      signal: new AbortController().signal,
      hooks: {
        onBytesRead: (n) => (progress.bytes += n),
        onEvents: (n) => (progress.events += n),
        onDeadLetter: (code: ProblemCode) => (progress.deadLetters[code] = (progress.deadLetters[code] ?? 0) + 1),
      },
    });
    const { events, deadLetters } = delivered;
    expect(summary).toMatchObject({ stoppedBy: 'end of file', events: events.length, deadLettered: deadLetters.length, linesRead: rows.length });
    expect(deadLetters.length).toBeGreaterThan(20);
    expect(new Set([...events, ...deadLetters]).size).toBe(rows.length - 1); // every row once, the header aside
    expect(events).toEqual([...events].sort((a, b) => a - b));
    expect(progress).toEqual({ bytes: fs.statSync(file).size, events: summary.events, deadLetters: summary.deadLetterReasons });
    expect(delivered.batches.length).toBeGreaterThan(25); // batches of at most 100
    // each acknowledged batch's buffers went back to be filled again (moved: empty here now)
    expect(delivered.batches.every((b) => [...b.byTopic.values()].flat().every((m) => m.value.length === 0))).toBe(true);
    expect(thread.terminated()).toBe(true);
  });

  it('on a signal stops reading, delivers what was read and reports the line to resume from', async () => {
    const file = fileOf('paced.csv', rows);
    const delivered = deliveries();
    const controller = new AbortController();
    const summary = await replayOnThread(dataFor(file, { pace: { mode: 'fixed', eventsPerSecond: 2000 } }), {
      startThread: inProcessThread().start,
      deliver: async (batch) => {
        delivered.keep(batch);
        if (delivered.events.length >= 200) controller.abort();
      },
      signal: controller.signal,
    });
    const { events, deadLetters } = delivered;
    expect(summary.stoppedBy).toBe('signal');
    expect(summary.nextLine).toBeLessThan(rows.length);
    // nothing is lost or sent twice around the resume point: every line before it, none after
    const sent = [...events, ...deadLetters].sort((a, b) => a - b);
    expect(sent).toEqual(Array.from({ length: summary.nextLine - 2 }, (_, i) => i + 2));
  });

  it('when a batch cannot be delivered, fails with that error, ends the thread, and sends nothing after it', async () => {
    const file = fileOf('refused.csv', rows);
    let deliveries = 0;
    const thread = inProcessThread();
    const refused = new Error('Kafka refused a batch of 100 message(s) and says retrying cannot help');
    await expect(
      replayOnThread(dataFor(file), {
        startThread: thread.start,
        deliver: async () => {
          deliveries += 1;
          if (deliveries === 3) throw refused;
        },
        signal: new AbortController().signal,
      }),
    ).rejects.toBe(refused);
    expect(thread.terminated()).toBe(true);
    // whatever the ended thread had queued has run by the next turn of the event loop: nothing more
    await new Promise(setImmediate);
    expect(deliveries).toBe(3);
  });

  it('a thread that fails, or dies, fails the replay with a message saying so', async () => {
    await expect(
      replayOnThread(dataFor(path.join(dir, 'missing.csv')), {
        startThread: inProcessThread().start,
        deliver: async () => undefined,
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow(/ENOENT.*missing\.csv/);

    const dying = new EventEmitter();
    const dead = replayOnThread(dataFor('unused.csv'), {
      startThread: () => Object.assign(dying, { postMessage: () => undefined, terminate: () => undefined }) as unknown as ReplayThreadHandle,
      deliver: async () => undefined,
      signal: new AbortController().signal,
    });
    dying.emit('exit', 1);
    await expect(dead).rejects.toThrow('the replay thread exited (code 1) before it finished');
  });
});
