import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { retry } from '@streamtally/observability';
import { checkGroupAccess, type GroupNeed } from './group-access';
import { openAdmin } from './open-admin';
import { prepareTopics, type PreparedTopics, type TopicNeed, type TopicSettings } from './topic-plan';

export interface ServiceTopicsOptions {
  /** BROKER_TIMEOUT_MS: how long connecting may take before start-up fails naming KAFKA_BROKERS */
  timeoutMs: number;
  settings: TopicSettings;
  logger: Logger;
}

/** Where a partition's records start (the oldest kept) and end (the next to be written), as Kafka's offsets. */
export interface PartitionOffsets {
  partition: number;
  start: string;
  end: string;
}

/**
 * The topics of one service from start to close: prepared (created or checked) once at start,
 * then asked where a key goes, how large a batch may be and where each partition starts and
 * ends. Before `prepare` every question throws: an output sent before start-up is a bug, not an
 * input, and saying so beats a partition count of undefined.
 */
export class ServiceTopics implements PreparedTopics {
  private prepared: PreparedTopics | undefined;
  /** kept open only when offsets will be asked (`prepare(…, { offsets: true })`) */
  private admin: Admin | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ServiceTopicsOptions,
  ) {}

  /**
   * Creates or checks the topics (TOPICS_CREATE) and checks the consumer groups may be read;
   * `offsets: true` keeps a connection for `offsetsOf`.
   */
  async prepare(needs: TopicNeed[], { offsets = false, groups = [] }: { offsets?: boolean; groups?: GroupNeed[] } = {}): Promise<PreparedTopics> {
    const admin = await openAdmin(this.kafka, this.options.timeoutMs);
    try {
      this.prepared = await prepareTopics(admin, needs, this.options.settings, this.options.logger);
      await checkGroupAccess(admin, groups, this.options.timeoutMs);
    } catch (err) {
      await admin.disconnect().catch(() => undefined);
      throw err;
    }
    if (offsets) this.admin = admin;
    else await admin.disconnect();
    return this.prepared;
  }

  get brokers(): number {
    return this.ready().brokers;
  }

  // arrow functions: handed around on their own (placeMessages takes partitionsOf), they keep `this`
  readonly partitionsOf = (topic: string): number => this.ready().partitionsOf(topic);

  readonly maxMessageBytesOf = (topic: string): number => this.ready().maxMessageBytesOf(topic);

  /** Each partition's first and next offset. */
  async offsetsOf(topic: string): Promise<PartitionOffsets[]> {
    if (!this.admin) throw new Error(`no offsets for ${topic}: the topics were not prepared with { offsets: true }`);
    return (await this.admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, start: o.low, end: o.high }));
  }

  /**
   * Like `offsetsOf`, asked again while the broker settles a topic `prepare` created a moment
   * ago (no leader yet), for up to BROKER_TIMEOUT_MS: for start-up, not for every emit.
   */
  settledOffsetsOf(topic: string): Promise<PartitionOffsets[]> {
    return retry(() => this.offsetsOf(topic), { initialMs: 100, maxMs: 1000, withinMs: this.options.timeoutMs });
  }

  /** Per partition, the offset of its first record written at or after `ms` (its end when none is); asked again while the topic settles. */
  async offsetsAt(topic: string, ms: number): Promise<{ partition: number; offset: string }[]> {
    const admin = this.admin;
    if (!admin) throw new Error(`no offsets for ${topic}: the topics were not prepared with { offsets: true }`);
    return retry(() => admin.fetchTopicOffsetsByTimestamp(topic, ms), { initialMs: 100, maxMs: 1000, withinMs: this.options.timeoutMs });
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private ready(): PreparedTopics {
    if (!this.prepared) throw new Error('the topics were not prepared: the service has not started');
    return this.prepared;
  }
}

/**
 * Waits for a topic another service creates (the aggregator creates the results topic the
 * gateway reads), asking every second until it exists or `signal` aborts (then false); then
 * checks it is as needed, and that the consumer groups `groups` may be read. With
 * TOPICS_CREATE=false it must be there already: a missing or wrong topic fails at once, naming it.
 */
export async function awaitTopic(
  kafka: Kafka,
  need: TopicNeed,
  options: ServiceTopicsOptions & { signal?: AbortSignal; groups?: GroupNeed[] },
): Promise<boolean> {
  const { settings, logger, signal } = options;
  const admin = await openAdmin(kafka, options.timeoutMs);
  try {
    const exists = async () => (await admin.listTopics()).includes(need.topic);
    if (settings.create && !(await exists())) {
      logger.warn({ topic: need.topic }, `${need.setting} does not exist yet; waiting for the service that creates it`);
      const appeared = await retry(
        async () => {
          if (signal?.aborted) return false;
          if (!(await exists())) throw new Error(`${need.topic} does not exist yet`);
          return true;
        },
        { initialMs: 1000, maxMs: 1000 },
      );
      if (!appeared) return false;
    }
    await prepareTopics(admin, [need], { ...settings, create: false }, logger);
    await checkGroupAccess(admin, options.groups ?? [], options.timeoutMs);
    return true;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Each partition's offsets, asked again while the broker still settles a topic created a
 * moment ago (no leader yet, coordinator loading: at `docker compose up` every service starts
 * at once), for up to `withinMs`.
 */
export async function offsetsWhenReady(
  kafka: Kafka,
  topic: string,
  options: { withinMs: number; onRetry?: (err: unknown, retryInMs: number) => void },
): Promise<PartitionOffsets[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const offsets = await retry(() => admin.fetchTopicOffsets(topic), {
      initialMs: 100,
      maxMs: 2000,
      withinMs: options.withinMs,
      onFailure: (err, _attempt, retryInMs) => options.onRetry?.(err, retryInMs),
    });
    return offsets.map((o) => ({ partition: o.partition, start: o.low, end: o.high }));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
