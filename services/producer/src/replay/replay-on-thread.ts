import type { OutgoingBatch } from './outgoing-batch';
import { spareBuffersOf, unpackBatch } from './packed-batch';
import type { ReplayHooks, ReplaySummary } from './replay';
import type { FromReplayThread, ReplayProgress, ReplayThreadData, ToReplayThread } from './replay-thread';

/** The main thread's side of a started replay thread (a Worker, or a test's port). */
export interface ReplayThreadHandle {
  postMessage(message: ToReplayThread, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (message: FromReplayThread) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number> | void;
}

export interface ReplayOnThreadDeps {
  /** starts the replay thread with `data` (main: a Worker running replay-thread-main.js) */
  startThread(data: ReplayThreadData): ReplayThreadHandle;
  /** sends a batch until Kafka acknowledges it; rejects when it gives up (deliverUntilAcknowledged) */
  deliver(batch: OutgoingBatch): Promise<void>;
  signal: AbortSignal;
  hooks?: ReplayHooks;
}

/**
 * Replays on a thread of its own (replay-thread.ts says why) and sends what it hands over.
 * Resolves with its summary; rejects when a batch cannot be delivered (the thread is ended:
 * nothing after the failed batch is sent, as when the replay ran on this thread) or when the
 * thread fails or dies. `signal` is passed on: the thread stops reading, and what it read is
 * still delivered before the summary comes.
 */
export function replayOnThread(data: ReplayThreadData, deps: ReplayOnThreadDeps): Promise<ReplaySummary> {
  const { signal, hooks } = deps;
  return new Promise<ReplaySummary>((resolve, reject) => {
    const thread = deps.startThread(data);
    let settled = false;
    const abort = () => thread.postMessage({ type: 'abort' });
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      void thread.terminate();
      outcome();
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });

    thread.on('message', (message) => {
      switch (message.type) {
        case 'batch':
          report(message.progress, hooks);
          deps.deliver(unpackBatch(message.packed)).then(
            () => {
              if (settled) return;
              const spare = spareBuffersOf(message.packed);
              thread.postMessage({ type: 'acknowledged', id: message.id, spare }, [spare.lengths, spare.bytes]);
            },
            (err: unknown) => settle(() => reject(err as Error)),
          );
          return;
        case 'done':
          report(message.progress, hooks);
          return settle(() => resolve(message.summary));
        case 'failed':
          return settle(() => reject(Object.assign(new Error(message.message), { stack: message.stack })));
      }
    });
    thread.on('error', (err) => settle(() => reject(err)));
    thread.on('exit', (code) => settle(() => reject(new Error(`the replay thread exited (code ${code}) before it finished`))));
  });
}

function report(progress: ReplayProgress, hooks: ReplayHooks | undefined): void {
  if (progress.bytesRead > 0) hooks?.onBytesRead?.(progress.bytesRead);
  if (progress.events > 0) hooks?.onEvents?.(progress.events);
  for (const [code, count] of Object.entries(progress.deadLetters) as [keyof ReplayProgress['deadLetters'], number][]) {
    for (let i = 0; i < count; i += 1) hooks?.onDeadLetter?.(code);
  }
}
