import type { Admin, Producer } from 'kafkajs';
import { KafkaRequestError } from './kafka-errors';
import { whileTopicsPropagate } from './topics';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's murmur2 (patched, tested against Kafka's Java vectors) has no types
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: string | Buffer) => number;

/** The partition Kafka's Java client (and kafkajs's DefaultPartitioner) gives a key. */
export function partitionOfKey(key: string | Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/** How many partitions each topic has (asked again while a new topic is still unknown to the broker asked). */
export async function partitionCounts(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const { topics: described } = await whileTopicsPropagate(() => admin.fetchTopicMetadata({ topics }));
  return new Map(described.map((t) => [t.name, t.partitions.length]));
}

export interface PartitionedMessage {
  key: string | Buffer | null;
  value: string | Buffer;
  partition: number;
}

/** topic → partition → messages: what one call of `sendPerPartition` writes. */
export type PartitionedBatch = Map<string, Map<number, PartitionedMessage[]>>;

/** How long a produce request may wait for its acknowledgement (acks=all) before it fails and is sent again. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Where each message of each topic goes: a keyed one where Kafka's Java client puts it (the
 * same key, the same partition, whoever writes it), a keyless one to the next partition in
 * turn (`turns` carries the turn from one call to the next).
 */
export function placeMessages(
  byTopic: Iterable<readonly [string, readonly { key: string | Buffer | null; value: string | Buffer }[]]>,
  partitionsOf: (topic: string) => number,
  turns = { next: 0 },
): PartitionedBatch {
  const placed: PartitionedBatch = new Map();
  for (const [topic, messages] of byTopic) {
    const partitions = partitionsOf(topic);
    const byPartition = placed.get(topic) ?? new Map<number, PartitionedMessage[]>();
    for (const { key, value } of messages) {
      const partition = key === null ? turns.next++ % partitions : partitionOfKey(key, partitions);
      let list = byPartition.get(partition);
      if (!list) byPartition.set(partition, (list = []));
      list.push({ key, value, partition });
    }
    placed.set(topic, byPartition);
  }
  return placed;
}

/** Some partitions of a batch were not acknowledged; `unsent` holds exactly those, `code` and `retriable` are the first failure's. */
export class PartiallySentError extends KafkaRequestError {
  override readonly name = 'PartiallySentError';
  constructor(
    readonly unsent: PartitionedBatch,
    readonly unsentCount: number,
    readonly firstError: unknown,
  ) {
    const first = KafkaRequestError.of(firstError);
    const partitions = [...unsent.values()].reduce((n, p) => n + p.size, 0);
    super(`${unsentCount} message(s) in ${partitions} partition(s) not acknowledged: ${first.message}`, first.code, first.retriable, { cause: firstError });
  }
}

/**
 * Writes a batch with one kafkajs request per partition, all at once (kafkajs still sends
 * one request at a time to each broker). Why not one sendBatch for everything: kafkajs keeps
 * its per-broker progress inside one call, so when a leader moves between its retries, a
 * partition already acknowledged by one broker is sent again to its new leader with new
 * sequence numbers (a duplicate), or one that failed is counted as sent because its new
 * leader had answered for others (a loss). A request for one partition has one leader at a
 * time, and on failure kafkajs rolls back that partition's sequence numbers, so sending the
 * same messages again on the same producer is deduplicated by the broker. Resolves when every
 * partition is acknowledged; otherwise throws PartiallySentError with what is left to send.
 */
export async function sendPerPartition(producer: Producer, batch: PartitionedBatch, timeoutMs = REQUEST_TIMEOUT_MS): Promise<void> {
  const sends: { topic: string; partition: number; messages: PartitionedMessage[]; done: Promise<unknown> }[] = [];
  for (const [topic, partitions] of batch) {
    for (const [partition, messages] of partitions) {
      sends.push({ topic, partition, messages, done: producer.send({ topic, acks: -1, timeout: timeoutMs, messages }) });
    }
  }
  const outcomes = await Promise.allSettled(sends.map((s) => s.done));
  const unsent: PartitionedBatch = new Map();
  let unsentCount = 0;
  let firstError: unknown;
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') return;
    const { topic, partition, messages } = sends[i]!;
    firstError ??= outcome.reason;
    if (!unsent.has(topic)) unsent.set(topic, new Map());
    unsent.get(topic)!.set(partition, messages);
    unsentCount += messages.length;
  });
  if (unsentCount > 0) throw new PartiallySentError(unsent, unsentCount, firstError);
}
