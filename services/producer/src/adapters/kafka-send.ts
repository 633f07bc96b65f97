import { type Producer } from '@streamtally/kafka-client';
import { OutgoingBatch, SendBatch } from '../replay/batch-sender';

/** One sendBatch request per batch, acks=all; every topic of the batch goes in the same request. */
export function kafkaSendBatch(producer: Producer, requestTimeoutMs: number): SendBatch {
  return async (batch: OutgoingBatch) => {
    await producer.sendBatch({
      acks: -1,
      timeout: requestTimeoutMs,
      topicMessages: [...batch.byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  };
}
