import { randomUUID } from 'node:crypto';
import { BatchConsumer, checkGroupAccess, GroupsNotReadyError, openAdmin, type Kafka, type KafkaMessage } from '@streamtally/kafka-client';

const TAIL_GROUP_PREFIX = 'streamtally-tail-';

export interface TailOptions {
  timeoutMs: number;
  topic: string;
  fromBeginning: boolean;
  /** stop after this many records (default: never) */
  limit?: number;
  /** stops the tail */
  signal: AbortSignal;
  /** receives each record as one JSON line; returns false when the reader is gone (closed pipe) */
  write(line: string): boolean;
}

export type TailOutcome = { ok: true; printed: number } | { ok: false; error: string };

/**
 * The `tail` command: prints a topic's records as JSON lines until `limit`, the signal, or
 * the reader going away, with a throw-away group (tailing never moves anyone's offsets).
 */
export async function tailCommand(kafka: Kafka, options: TailOptions): Promise<TailOutcome> {
  const admin = await openAdmin(kafka, options.timeoutMs);
  try {
    if (!(await admin.listTopics()).includes(options.topic)) return { ok: false, error: `topic ${options.topic} does not exist` };
    // a throw-away group: tailing never moves anyone's offsets. Asked first: a consumer refused
    // its group only crashes again and again, and the tail would wait for ever
    const groupId = `${TAIL_GROUP_PREFIX}${randomUUID()}`;
    try {
      await checkGroupAccess(admin, [{ group: groupId, setting: 'the tail command', prefix: TAIL_GROUP_PREFIX }], options.timeoutMs);
    } catch (err) {
      if (err instanceof GroupsNotReadyError) return { ok: false, error: err.message };
      throw err;
    }
    const consumer = new BatchConsumer(kafka, { groupId, throwawayGroup: true });
    const limit = options.limit ?? Infinity;
    let printed = 0;
    let done = false;
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = () => {
        done = true;
        resolve();
      };
      if (options.signal.aborted) resolve();
      options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      await consumer.start({
        topics: [options.topic],
        fromBeginning: options.fromBeginning,
        eachBatch: async ({ partition, messages }) => {
          for (const message of messages) {
            if (done || printed >= limit) return;
            printed += 1;
            if (!options.write(formatRecord(options.topic, partition, message)) || printed >= limit) stop();
          }
        },
      });
      await stopped;
    } finally {
      await consumer.close();
    }
    return { ok: true, printed };
  } finally {
    await admin.disconnect();
  }
}

/** One record as one JSON line: JSON values stay structured, anything else is a string. Pure. */
export function formatRecord(topic: string, partition: number, message: Pick<KafkaMessage, 'offset' | 'key' | 'value'>): string {
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
