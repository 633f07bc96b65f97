import { type PartitionedBatch, partitionOfKey, type Producer, sendPerPartition } from '@streamtally/kafka-client';
import { encodeJson, encodeWindowResult, WindowResult, windowResultKey } from '@streamtally/contracts';
import { SideOutputs } from '../consumer/partition-processor';

export interface OutputTopics {
  results: string;
  lateEvents: string;
  deadLetter: string;
}

/** Each topic's partition count (read at start). */
export type PartitionsOf = (topic: string) => number;

/**
 * One request per partition, keys placed as Kafka's Java client places them: on a cluster,
 * one kafkajs request across brokers can report success for a partition whose new leader never
 * got it (sendPerPartition). A failure of any partition fails the call; what the caller then
 * sends again is at most a repeat (same keys and versions), never a gap.
 */
function place(partitionsOf: PartitionsOf, topic: string, messages: { key: string; value: Buffer }[], into: PartitionedBatch = new Map()): PartitionedBatch {
  const byPartition = into.get(topic) ?? new Map<number, { key: string; value: Buffer; partition: number }[]>();
  for (const message of messages) {
    const partition = partitionOfKey(message.key, partitionsOf(topic));
    const list = byPartition.get(partition) ?? [];
    list.push({ ...message, partition });
    byPartition.set(partition, list);
  }
  into.set(topic, byPartition);
  return into;
}

/** Late events and dead letters, keyed by where they came from so a repeat can be recognised. */
export function kafkaSideOutputs(producer: Producer, topics: OutputTopics, partitionsOf: PartitionsOf): SideOutputs {
  return {
    async send(late, deadLetters) {
      const batch: PartitionedBatch = new Map();
      if (late.length > 0) {
        place(
          partitionsOf,
          topics.lateEvents,
          late.map((l) => ({ key: `${l.source.topic}/${l.source.partition}/${l.source.offset}/${l.job}/${l.windowStart}`, value: encodeJson(l) })),
          batch,
        );
      }
      if (deadLetters.length > 0) {
        place(
          partitionsOf,
          topics.deadLetter,
          deadLetters.map((d) => ({ key: d.key, value: encodeJson(d.letter) })),
          batch,
        );
      }
      if (batch.size > 0) await sendPerPartition(producer, batch, 30_000);
    },
  };
}

/** Window results keyed `${job}@${windowStart}` on the (compacted) results topic. */
export function kafkaResultPublisher(producer: Producer, topic: string, partitionsOf: PartitionsOf): (results: WindowResult[]) => Promise<void> {
  return async (results) => {
    const batch = place(
      partitionsOf,
      topic,
      results.map((r) => ({ key: windowResultKey(r.job, r.windowStart), value: encodeWindowResult(r) })),
    );
    await sendPerPartition(producer, batch, 30_000);
  };
}
