import { KafkaRequestError, type PartitionedBatch, PartiallySentError, placeMessages, type Producer, sendPerPartition } from '@streamtally/kafka-client';
import { OutgoingBatch, SendBatch } from '../replay/outgoing-batch';

/**
 * How batches go to Kafka. On a single broker, one sendBatch for the whole batch: no leader
 * can move, so kafkajs's retries are safe, and it is the fastest (one request). On a cluster,
 * one request per partition (sendPerPartition says why: a send across brokers can duplicate
 * or drop a partition when leaders move), which on one broker costs throughput for nothing:
 * the idempotent producer sends one request at a time per broker (docs/benchmarks.md).
 */
export function kafkaSender(producer: Producer, requestTimeoutMs: number, cluster: { brokers: number; partitionsOf(topic: string): number }): SendBatch {
  return cluster.brokers > 1
    ? kafkaSendPerPartition(producer, requestTimeoutMs, (topic) => cluster.partitionsOf(topic))
    : kafkaSendBatch(producer, requestTimeoutMs);
}

/** One sendBatch request per batch, acks=all; every topic of the batch goes in the same request. Fails with a KafkaRequestError. */
export function kafkaSendBatch(producer: Producer, requestTimeoutMs: number): SendBatch {
  return async (batch: OutgoingBatch) => {
    try {
      await producer.sendBatch({
        acks: -1,
        timeout: requestTimeoutMs,
        topicMessages: [...batch.byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      throw KafkaRequestError.of(err);
    }
  };
}

/**
 * Sends a batch with one request per partition. Each message's partition is
 * fixed the first time the batch is sent, by its key as Kafka's Java client would place it
 * (keyless messages take turns); when only some partitions were acknowledged, the next call
 * for the same batch sends only the others, the same messages to the same partitions on the
 * same producer, which the broker deduplicates if it had them after all.
 */
export function kafkaSendPerPartition(producer: Producer, requestTimeoutMs: number, partitionsOf: (topic: string) => number): SendBatch {
  const unsent = new WeakMap<OutgoingBatch, PartitionedBatch>();
  const turns = { next: 0 };
  return async (batch: OutgoingBatch) => {
    const toSend = unsent.get(batch) ?? placeMessages(batch.byTopic, partitionsOf, turns);
    try {
      await sendPerPartition(producer, toSend, requestTimeoutMs);
      unsent.delete(batch);
    } catch (err) {
      unsent.set(batch, err instanceof PartiallySentError ? err.unsent : toSend);
      throw err;
    }
  };
}
