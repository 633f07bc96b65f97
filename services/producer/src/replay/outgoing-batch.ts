/**
 * What goes to Kafka, as the batching (batch-sender.ts) and the packing between threads
 * (packed-batch.ts) both speak of it: in a file of its own, so neither imports the other for it.
 */

/** A keyed record for one topic. */
export interface OutgoingMessage {
  /** added as text or bytes; a batch handed to Kafka carries Buffers (packed-batch.ts) */
  key: string | Buffer | null;
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
