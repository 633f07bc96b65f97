import fs from 'node:fs';
import type { ProblemCode } from '@streamtally/contracts';
import type { Logger } from 'pino';
import { createPacer, type PaceSettings } from '../pacing/pacer';
import type { EventTopic } from '../rows/event-rows';
import { createRows, type RowsSpec } from '../rows/file-kinds';
import { BatchSender } from './batch-sender';
import { systemClock } from './clock';
import { type PackedBatch, PackedBatchBuilder, type SpareBuffers, transferListOf } from './packed-batch';
import { replayFile, type ReplaySettings, type ReplaySummary } from './replay';

/**
 * The file replay runs on a thread of its own: reading, splitting, validating, keying and
 * encoding the CSV take as much CPU as sending does, and Kafka's Java producer, which the
 * producer is measured against, sends from a second thread too (docs/benchmarks.md). This
 * thread fills batches; the main thread sends them (retries, metrics, health) and says when
 * each is acknowledged. One batch is in flight while the next fills, as before: `add` waits,
 * and the reading with it, so memory stays bounded however slow Kafka is.
 */

/** What the replay thread is started with (workerData: plain data only). */
export interface ReplayThreadData {
  settings: ReplaySettings;
  /** what the file holds: the tutorial's user_log, or a declared source's CSV or JSON */
  rows: RowsSpec;
  /** where its events go */
  events: EventTopic;
  inputFile: string;
  pace: PaceSettings;
  batch: { maxMessages: number; maxBytes: number };
  /** read size: a chunk's records stay alive until the chunk is done */
  readChunkBytes: number;
}

/** What the replay did since its last message, for metrics and progress. */
export interface ReplayProgress {
  bytesRead: number;
  events: number;
  deadLetters: Partial<Record<ProblemCode, number>>;
}

/** replay thread → main thread */
export type FromReplayThread =
  | { type: 'batch'; id: number; packed: PackedBatch; progress: ReplayProgress }
  | { type: 'done'; summary: ReplaySummary; progress: ReplayProgress }
  | { type: 'failed'; message: string; stack?: string };

/** main thread → replay thread */
export type ToReplayThread = { type: 'acknowledged'; id: number; spare: SpareBuffers } | { type: 'abort' };

/** The side of a MessagePort each thread uses (parentPort and Worker both have it). */
export interface ThreadPort {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (message: ToReplayThread) => void): unknown;
  unref(): void;
}

function emptyProgress(): ReplayProgress {
  return { bytesRead: 0, events: 0, deadLetters: {} };
}

/** Runs the replay on this thread, handing every batch to `port`; posts the summary or the failure, then lets the thread end. */
export async function runReplayThread(port: ThreadPort, data: ReplayThreadData, logger: Logger): Promise<void> {
  const controller = new AbortController();
  const acknowledged = new Map<number, () => void>();
  let nextId = 0;
  let progress = emptyProgress();
  /** buffers of acknowledged batches, filled again: at most the two batches alive at once */
  const spares: SpareBuffers[] = [];
  const takeProgress = () => {
    const taken = progress;
    progress = emptyProgress();
    return taken;
  };

  port.on('message', (message) => {
    if (message.type === 'abort') controller.abort();
    else {
      if (spares.length < 2) spares.push(message.spare);
      acknowledged.get(message.id)?.();
      acknowledged.delete(message.id);
    }
  });

  // resolves when the main thread has the batch acknowledged by Kafka; the main thread
  // retries until then, or ends this thread when it gives up
  const sendToMainThread = (packed: PackedBatch) =>
    new Promise<void>((resolve) => {
      const id = nextId++;
      acknowledged.set(id, resolve);
      port.postMessage({ type: 'batch', id, packed, progress: takeProgress() } satisfies FromReplayThread, transferListOf(packed));
    });

  try {
    const summary = await replayFile(data.settings, {
      rows: createRows(data.rows, data.events),
      openFile: () => fs.createReadStream(data.inputFile, { highWaterMark: data.readChunkBytes }),
      pacer: createPacer(data.pace),
      sender: new BatchSender({ send: sendToMainThread, ...data.batch, nextBatch: (capacity) => new PackedBatchBuilder(capacity, spares.pop()) }),
      clock: systemClock,
      logger,
      signal: controller.signal,
      hooks: {
        onBytesRead: (bytes) => (progress.bytesRead += bytes),
        onEvents: (count) => (progress.events += count),
        onDeadLetter: (code) => (progress.deadLetters[code] = (progress.deadLetters[code] ?? 0) + 1),
      },
    });
    port.postMessage({ type: 'done', summary, progress: takeProgress() } satisfies FromReplayThread);
  } catch (err) {
    port.postMessage({ type: 'failed', message: (err as Error).message, stack: (err as Error).stack } satisfies FromReplayThread);
  }
  port.unref();
}
