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

/** What a record costs in a request beside its key and value (lengths, offsets, attributes), at most. */
const RECORD_OVERHEAD_BYTES = 64;

/**
 * One partition's messages cut into requests of at most `maxBytes` (keys, values and each
 * record's overhead), in order; a message larger than that alone goes in a request of its own.
 */
export function requestsOf(messages: PartitionedMessage[], maxBytes: number): PartitionedMessage[][] {
  if (!Number.isFinite(maxBytes)) return [messages];
  const requests: PartitionedMessage[][] = [];
  let current: PartitionedMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = byteLength(m.key) + byteLength(m.value) + RECORD_OVERHEAD_BYTES;
    if (current.length > 0 && bytes + size > maxBytes) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

const byteLength = (data: string | Buffer | null) => (data === null ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length);

/** A partition's requests stopped at one that failed: it and those after it are unsent. */
class RequestsStopped extends Error {
  constructor(
    readonly failure: unknown,
    readonly unsent: PartitionedMessage[],
  ) {
    super('a request failed');
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
 *
 * `maxRequestBytes`: a partition's messages go in requests of at most that many bytes, one
 * after the other (in order; the first that fails stops its partition's): the broker refuses a
 * request larger than its message.max.bytes (1 MiB by default), whatever its records' sizes.
 */
export async function sendPerPartition(producer: Producer, batch: PartitionedBatch, timeoutMs = REQUEST_TIMEOUT_MS, maxRequestBytes = Infinity): Promise<void> {
  const sends: { topic: string; partition: number; done: Promise<unknown> }[] = [];
  for (const [topic, partitions] of batch) {
    for (const [partition, messages] of partitions) {
      const requests = requestsOf(messages, maxRequestBytes);
      sends.push({ topic, partition, done: sendInOrder(producer, topic, requests, timeoutMs) });
    }
  }
  const outcomes = await Promise.allSettled(sends.map((s) => s.done));
  const unsent: PartitionedBatch = new Map();
  let unsentCount = 0;
  let firstError: unknown;
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') return;
    const { topic, partition } = sends[i]!;
    const stopped = outcome.reason as RequestsStopped;
    firstError ??= stopped.failure;
    if (!unsent.has(topic)) unsent.set(topic, new Map());
    unsent.get(topic)!.set(partition, stopped.unsent);
    unsentCount += stopped.unsent.length;
  });
  if (unsentCount > 0) throw new PartiallySentError(unsent, unsentCount, firstError);
}

async function sendInOrder(producer: Producer, topic: string, requests: PartitionedMessage[][], timeoutMs: number): Promise<void> {
  for (let i = 0; i < requests.length; i += 1) {
    try {
      await producer.send({ topic, acks: -1, timeout: timeoutMs, messages: requests[i]! });
    } catch (err) {
      throw new RequestsStopped(err, requests.slice(i).flat());
    }
  }
}
