import type { Admin } from 'kafkajs';
import { retry } from '@streamtally/observability';
import { isRetriableKafkaError } from './kafka-errors';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** e.g. { 'cleanup.policy': 'compact' } */
  config?: Record<string, string>;
}

export interface Replication {
  /** copies of each partition */
  factor: number;
  /** copies that must have a write before it is acknowledged (acks=all) */
  minInsyncReplicas: number;
}

/**
 * The replication of the topics a service creates: what TOPIC_REPLICATION_FACTOR and
 * TOPIC_MIN_INSYNC_REPLICAS say, else by the cluster's size: one broker 1 and 1, two brokers
 * 2 and 1, three or more 3 and 2 (a write survives one broker lost, and one more broker can
 * be down without stopping writes). A factor the cluster cannot hold is an error naming it.
 */
export async function replicationFor(admin: Admin, settings: { factor?: number; minInsyncReplicas?: number }): Promise<Replication> {
  const { brokers } = await admin.describeCluster();
  const factor = settings.factor ?? Math.min(3, brokers.length);
  if (factor > brokers.length) {
    throw new Error(`TOPIC_REPLICATION_FACTOR is ${factor}, but the cluster has ${brokers.length} broker(s)`);
  }
  const minInsyncReplicas = settings.minInsyncReplicas ?? (factor >= 3 ? 2 : 1);
  if (minInsyncReplicas > factor) {
    throw new Error(`TOPIC_MIN_INSYNC_REPLICAS is ${minInsyncReplicas}, more than the replication factor ${factor}: no write could ever be acknowledged`);
  }
  return { factor, minInsyncReplicas };
}

/** How long to wait between tries while brokers learn of topics just created: 100 ms, doubling to 3.2 s. */
const PROPAGATION_BACKOFF = { initialMs: 100, maxMs: 3200 };

/**
 * Creates the topics that do not exist yet and returns the names this call created.
 * Idempotent and safe when several services start at once: another client creating the
 * same topic first (TOPIC_ALREADY_EXISTS, or metadata not yet propagated) only means
 * trying again, until every topic exists with a leader for each partition. Creating and
 * waiting for leaders are separate steps, so a create that succeeded is reported as ours
 * even when the wait for its leaders needs another try.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[], replication?: Replication): Promise<string[]> {
  const created: string[] = [];
  const names = specs.map((spec) => spec.topic);
  try {
    await retry(
      async () => {
        const existing = new Set(await admin.listTopics());
        const missing = specs.filter((spec) => !existing.has(spec.topic));
        if (missing.length > 0) {
          const made = await admin.createTopics({
            waitForLeaders: false,
            topics: missing.map((spec) => ({
              topic: spec.topic,
              numPartitions: spec.numPartitions,
              replicationFactor: replication?.factor ?? -1,
              configEntries: Object.entries({
                ...(replication ? { 'min.insync.replicas': String(replication.minInsyncReplicas) } : {}),
                ...spec.config,
              }).map(([name, value]) => ({ name, value })),
            })),
          });
          // false: every one of them existed by then (another client was first)
          if (made) created.push(...missing.map((spec) => spec.topic));
        }
        await expectLeaders(admin, names);
      },
      { ...PROPAGATION_BACKOFF, attempts: 7 },
    );
  } catch (err) {
    throw new Error(`could not create or find topics ${names.join(', ')}: ${(err as Error).message}`, { cause: err });
  }
  return created;
}

async function expectLeaders(admin: Admin, topics: string[]): Promise<void> {
  const { topics: described } = await admin.fetchTopicMetadata({ topics });
  const leaderless = described.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}:${p.partitionId}`));
  if (leaderless.length > 0) throw new Error(`no leader yet for ${leaderless.join(', ')}`);
}

/**
 * A read about topics just created (here or by another service starting beside this one),
 * tried again while Kafka calls its failure retriable: each broker learns of a new topic from
 * the controller on its own time, and one that has not yet answers UNKNOWN_TOPIC_OR_PARTITION
 * ("This server does not host this topic-partition") although another already described it.
 * Up to ~10 s; a final refusal (no authorisation, say) is thrown at once.
 */
export function whileTopicsPropagate<T>(read: () => Promise<T>): Promise<T> {
  return retry(read, {
    ...PROPAGATION_BACKOFF,
    attempts: 8,
    onFailure(err) {
      if (!isRetriableKafkaError(err)) throw err;
    },
  });
}

/** Room a record batch takes beyond its values: its header (61 bytes), each record's own fields and key. */
export const RECORD_BATCH_OVERHEAD = 512;
