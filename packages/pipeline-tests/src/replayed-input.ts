import path from 'node:path';
import { decodeUserAction, UserActionEvent } from '@streamtally/contracts';
import { createKafka, type Kafka } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { readTopic } from '@streamtally/test-support';
import { runService } from './service-process';

export interface ReplayedInput {
  brokers: string[];
  /** the input topic the producer creates (6 partitions) and fills */
  topic: string;
  rows: number;
  seed: number;
  /** where the generated file goes */
  dir: string;
  /** more producer settings (a secured connection, TOPICS_CREATE) */
  env?: Record<string, string>;
  /** reads the topic back (default: a plaintext client of `brokers`) */
  reader?: Kafka;
}

/**
 * A generated user_log.csv replayed as fast as possible by the producer process, then read
 * back from the topic: the events exactly as the aggregator will see them, for a recount.
 */
export async function replayGeneratedInput({ brokers, topic, rows, seed, dir, env = {}, reader }: ReplayedInput): Promise<UserActionEvent[]> {
  const file = path.join(dir, 'user_log.csv');
  const generated = runService('producer', {}, ['generate', '--rows', String(rows), '--out', file, '--seed', String(seed)]);
  if (generated.status !== 0) throw new Error(`generate failed:\n${generated.output}`);
  const replay = runService(
    'producer',
    {
      KAFKA_BROKERS: brokers.join(','),
      INPUT_FILE: file,
      INPUT_TOPIC: topic,
      DEAD_LETTER_TOPIC: `${topic}.dlq`,
      PACE: 'max',
      TOPIC_PARTITIONS: '6',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    [],
  );
  if (replay.status !== 0) throw new Error(`producer failed:\n${replay.output}`);
  const kafka = reader ?? createKafka({ brokers, clientId: 'replayed-input', logger: silentLogger() });
  return (await readTopic(kafka, topic, rows, 120_000)).map((record) => {
    const decoded = decodeUserAction(record.value);
    if (!decoded.ok) throw new Error(decoded.error);
    return decoded.value;
  });
}
