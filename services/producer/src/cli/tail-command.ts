/** One record as one JSON line: JSON values stay structured, anything else is a string. Pure. */
export function formatRecord(topic: string, partition: number, message: KafkaMessage): string {
  const text = message.value?.toString('utf8') ?? null;
  let value: unknown = text;
  if (text !== null) {
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
  }
  return JSON.stringify({ topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value });
}
import { type KafkaMessage } from '@streamtally/kafka-client';
