import type { Logger } from 'pino';
import { retry } from '@streamtally/observability';

/** A keyed record for one topic. */
export interface OutgoingMessage {
  key: string | null;
  /** kafkajs writes a string straight into its request buffer: one copy fewer than a Buffer */
  value: string | Buffer;
}

export interface OutgoingBatch {
  /** topic -> messages, sent together in one request */
  byTopic: Map<string, OutgoingMessage[]>;
  count: number;
  bytes: number;
}

/** Sends one batch; resolves only when the broker acknowledged all of it (acks=all). */
export type SendBatch = (batch: OutgoingBatch) => Promise<void>;

export interface BatchSenderOptions {
  send: SendBatch;
  logger: Logger;
  /** flush when a batch holds this many messages */
  maxMessages: number;
  /** flush when a batch holds this many bytes */
  maxBytes: number;
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

function emptyBatch(): OutgoingBatch {
  return { byTopic: new Map(), count: 0, bytes: 0 };
}

/**
 * Fills one batch while the previous one is in flight, so memory holds at most two batches
 * however slow Kafka is: `add` waits when both are busy, and the reader waits with it.
 * A failed send is retried, with the same producer and batch, until it succeeds: with the
 * idempotent producer the broker discards what it already has, so nothing is written twice.
 */
export class BatchSender {
  private current = emptyBatch();
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
    const bytes = Buffer.byteLength(message.value) + (message.key?.length ?? 0);
    // a batch never passes maxBytes (a topic's max.message.bytes may set it): a message that
    // would take it past goes into the next one
    if (this.current.count > 0 && this.current.bytes + bytes > this.options.maxBytes) {
      return this.flush().then(() => this.append(topic, message, bytes));
    }
    return this.append(topic, message, bytes);
  }

  private append(topic: string, message: OutgoingMessage, bytes: number): Promise<void> | undefined {
    let messages = this.current.byTopic.get(topic);
    if (!messages) this.current.byTopic.set(topic, (messages = []));
    messages.push(message);
    this.current.count += 1;
    this.current.bytes += bytes;
    if (this.current.count >= this.options.maxMessages || this.current.bytes >= this.options.maxBytes) {
      return this.flush();
    }
    return undefined;
  }

  /** Hands the filling batch to the network once the one in flight is acknowledged. */
  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      await this.inFlight;
      if (this.current.count === 0) return;
      const batch = this.current;
      this.current = emptyBatch();
      this.inFlightCount = batch.count;
      this.inFlight = this.sendUntilAcknowledged(batch).finally(() => {
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

  private async sendUntilAcknowledged(batch: OutgoingBatch): Promise<void> {
    const { send, logger, signal } = this.options;
    let abortedAt: number | undefined;
    await retry(
      async (attempt) => {
        const started = process.hrtime.bigint();
        await send(batch);
        this.options.onSent?.(batch, Number(process.hrtime.bigint() - started) / 1e9);
        if (attempt > 1) logger.info({ attempt, messages: batch.count }, 'batch delivered after retrying');
      },
      {
        initialMs: this.options.initialBackoffMs ?? 200,
        maxMs: this.options.maxBackoffMs ?? 5000,
        onFailure: (err, attempt, retryInMs) => {
          this.options.onSendError?.(err);
          if (this.options.isRetriable && !this.options.isRetriable(err)) throw new RefusedBatchError(batch.count, err);
          if (signal?.aborted) {
            abortedAt ??= Date.now();
            if (Date.now() - abortedAt >= (this.options.giveUpAfterAbortMs ?? 30_000)) throw new UndeliveredError(this.pending, err);
          }
          logger.warn({ err, attempt, messages: batch.count, retryInMs }, 'sending a batch failed; retrying');
        },
      },
    );
  }
}
