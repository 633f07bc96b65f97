import type { Logger } from 'pino';
import { retry } from '@streamtally/observability';
import type { OutgoingBatch, OutgoingMessage, SendBatch } from './outgoing-batch';
import { type BatchCapacity, byteLength, PackedBatchBuilder, type PackedBatch } from './packed-batch';

/** How a batch is sent until Kafka acknowledges it. */
export interface DeliveryOptions {
  send: SendBatch;
  logger: Logger;
  /** first retry delay after a failed send, doubled up to maxBackoffMs */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** called after each acknowledged batch */
  onSent?: (batch: OutgoingBatch, seconds: number) => void;
  onSendError?: (err: unknown) => void;
  /** false for a refusal that sending again cannot change: it is not retried */
  isRetriable?: (err: unknown) => boolean;
  /** once aborted, a failing send is given up after `giveUpAfterAbortMs` */
  signal?: AbortSignal;
  giveUpAfterAbortMs?: number;
}

/** Kafka refused a batch for good (its answer says retrying cannot help). */
export class RefusedBatchError extends Error {
  constructor(
    readonly undelivered: number,
    cause: unknown,
  ) {
    super(`Kafka refused a batch of ${undelivered} message(s) and says retrying cannot help: ${(cause as Error).message}`, { cause });
  }
}

export class UndeliveredError extends Error {
  constructor(
    readonly undelivered: number,
    cause: unknown,
  ) {
    super(`${undelivered} message(s) could not be delivered before shutdown`, { cause });
  }
}

export interface BatchSenderOptions {
  /** hands a full batch on; resolves once it is acknowledged (deliverUntilAcknowledged, or the main thread) */
  send: (batch: PackedBatch) => Promise<void>;
  /** flush when a batch holds this many messages */
  maxMessages: number;
  /** flush when a batch holds this many bytes */
  maxBytes: number;
  /** the next batch to fill, as large as the last one became (default: new buffers) */
  nextBatch?: (capacity: BatchCapacity) => PackedBatchBuilder;
}

/**
 * Fills one batch while the previous one is in flight, so memory holds at most two batches
 * however slow Kafka is: `add` waits when both are busy, and the reader waits with it.
 * Keys and values are written into the batch as they are added (packed-batch.ts).
 */
export class BatchSender {
  private current = new PackedBatchBuilder();
  private inFlight: Promise<void> = Promise.resolve();
  private inFlightCount = 0;
  /** flushes run one after another, so two callers never put two batches in flight */
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: BatchSenderOptions) {}

  /**
   * Adds a message. Returns nothing when the caller may go on at once, or a promise when the
   * batch is full and must wait for the one in flight: the caller then waits too. (Not an
   * async function: at 200,000 messages a second, a promise each is a cost worth avoiding.)
   */
  add(topic: string, message: OutgoingMessage): Promise<void> | undefined {
    const keyBytes = byteLength(message.key);
    const valueBytes = byteLength(message.value);
    return this.whenRoomFor(Math.max(keyBytes, 0) + valueBytes, () => this.current.add(topic, keyBytes, valueBytes, message));
  }

  /**
   * Adds a message encoded in place: `keyBytes` of key then `valueBytes` of value at the start
   * of `source`, copied in. The caller may reuse `source` once this returns nothing, or once
   * the promise it returns resolves (a full batch is flushed first, then the copy is made).
   */
  addEncoded(topic: string, source: Uint8Array, keyBytes: number, valueBytes: number): Promise<void> | undefined {
    return this.whenRoomFor(keyBytes + valueBytes, () => this.current.addEncoded(topic, source, keyBytes, valueBytes));
  }

  private whenRoomFor(bytes: number, append: () => void): Promise<void> | undefined {
    // a batch never passes maxBytes (a topic's max.message.bytes may set it): a message that
    // would take it past goes into the next one
    if (this.current.count > 0 && this.current.size + bytes > this.options.maxBytes) {
      return this.flush().then(() => this.appendThenMaybeFlush(append));
    }
    return this.appendThenMaybeFlush(append);
  }

  private appendThenMaybeFlush(append: () => void): Promise<void> | undefined {
    append();
    if (this.current.count >= this.options.maxMessages || this.current.size >= this.options.maxBytes) return this.flush();
    return undefined;
  }

  /** Hands the filling batch on once the one in flight is acknowledged. */
  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      await this.inFlight;
      if (this.current.count === 0) return;
      const batch = this.current;
      this.current = this.options.nextBatch?.(batch.capacity) ?? new PackedBatchBuilder(batch.capacity);
      this.inFlightCount = batch.count;
      this.inFlight = this.options.send(batch.build()).finally(() => {
        this.inFlightCount = 0;
      });
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Everything added so far is acknowledged when this resolves. */
  async drain(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }

  /** Messages not yet acknowledged (buffered or in flight). */
  get pending(): number {
    return this.current.count + this.inFlightCount;
  }
}

/**
 * Sends one batch, retrying the same batch after each failure (the idempotent producer lets
 * the broker drop what it already has), until it is acknowledged, Kafka refuses it for good,
 * or shutdown was asked for longer than the grace period ago. `pending` counts what would
 * then be lost, for the error.
 */
export async function deliverUntilAcknowledged(batch: OutgoingBatch, options: DeliveryOptions, pending: () => number = () => batch.count): Promise<void> {
  const { send, logger, signal } = options;
  let abortedAt: number | undefined;
  await retry(
    async (attempt) => {
      const started = process.hrtime.bigint();
      await send(batch);
      options.onSent?.(batch, Number(process.hrtime.bigint() - started) / 1e9);
      if (attempt > 1) logger.info({ attempt, messages: batch.count }, 'batch delivered after retrying');
    },
    {
      initialMs: options.initialBackoffMs ?? 200,
      maxMs: options.maxBackoffMs ?? 5000,
      onFailure: (err, attempt, retryInMs) => {
        options.onSendError?.(err);
        if (options.isRetriable && !options.isRetriable(err)) throw new RefusedBatchError(batch.count, err);
        if (signal?.aborted) {
          abortedAt ??= Date.now();
          if (Date.now() - abortedAt >= (options.giveUpAfterAbortMs ?? 30_000)) throw new UndeliveredError(pending(), err);
        }
        logger.warn({ err, attempt, messages: batch.count, retryInMs }, 'sending a batch failed; retrying');
      },
    },
  );
}
