import type { Admin } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** e.g. { 'cleanup.policy': 'compact' } */
  config?: Record<string, string>;
}

/**
 * Creates the topics that do not exist yet (idempotent) and waits for their leaders.
 * Existing topics are left as they are; returns the names it created.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.numPartitions,
        replicationFactor: -1,
        configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  } catch (err) {
    // another instance may have created them between list and create
    if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
  }
  return missing.map((spec) => spec.topic);
}

/** Fails with a clear message when no broker answers within `timeoutMs`. */
export async function connectAdmin(admin: Admin, brokers: string[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no Kafka broker answered at ${brokers.join(',')} within ${timeoutMs} ms (KAFKA_BROKERS)`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([admin.connect().then(() => admin.listTopics()), timeout]);
  } catch (err) {
    await admin.disconnect().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
