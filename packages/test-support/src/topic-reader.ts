import type { Kafka, KafkaMessage } from 'kafkajs';
import { uniqueName } from './names';
import { waitFor } from './wait-for';

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  message: KafkaMessage;
}

/**
 * Reads a topic from the beginning with a fresh group until `count` records arrived
 * (or `timeoutMs` passed), then disconnects and returns them.
 */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          records.push({
            partition: batch.partition,
            offset: message.offset,
            message,
            key: message.key?.toString('utf8') ?? null,
            value: message.value?.toString('utf8') ?? null,
          });
        }
      },
    });
    await waitFor(() => records.length >= count, { timeoutMs, what: `${count} records on ${topic} (have ${records.length})` });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Total records in a topic: the sum of its partitions' end offsets. */
export async function topicRecordCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}
