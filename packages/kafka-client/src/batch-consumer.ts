import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { ConsumerLiveness } from './consumer-liveness';
import { instrumentConsumer, type KafkaClientEventSink } from './metrics';

export interface BatchConsumerOptions {
  groupId: string;
  /** fetch tuning; kafkajs's defaults where absent */
  sessionTimeoutMs?: number;
  maxBytesPerPartition?: number;
  maxBytes?: number;
  minBytes?: number;
  maxWaitMs?: number;
  /** where its request durations, rebalances and crashes go (`recordClientEvents`) */
  metrics?: KafkaClientEventSink;
  /**
   * A group of one instance's own (the gateway's, `tail`'s): deleted on close, so restarts
   * do not leave one empty group behind each.
   */
  throwawayGroup?: boolean;
}

/** One partition's share of a fetch, and what the reader may do about it. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** the partition's end offset when fetched */
  highWatermark: string;
  /** the offset of the batch's last record (filtered ones included) */
  lastOffset(): string;
  /** marks the batch's messages up to `offset` as handled (this reader commits offsets itself) */
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** the next fetch of this partition starts at `offset` */
  seek(offset: string): void;
  /** stops fetching this partition until the next rebalance */
  pause(): void;
  isRunning(): boolean;
  /** true once a rebalance took the partition away: stop handling the batch */
  isStale(): boolean;
}

export interface BatchReading {
  topics: string[];
  fromBeginning: boolean;
  /** partitions handled at once (kafkajs's partitionsConsumedConcurrently) */
  concurrency?: number;
  /**
   * false: the reader marks what it handled with resolveOffset, and the next fetch starts
   * after it (the aggregator, which may stop mid-batch); default true: a batch that returns
   * counts as handled whole
   */
  autoResolve?: boolean;
  eachBatch(batch: PartitionBatch): Promise<void>;
}

/**
 * A consumer that hands over one partition's batch at a time and never commits by itself:
 * the services keep their offsets elsewhere (the aggregator in Redis, atomically with its
 * state; the gateway and `tail` nowhere) and commit to Kafka only so the usual tools show lag.
 */
export class BatchConsumer {
  readonly liveness: ConsumerLiveness;
  private readonly consumer: Consumer;
  private connected = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: BatchConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      ...(options.sessionTimeoutMs !== undefined
        ? { sessionTimeout: options.sessionTimeoutMs, heartbeatInterval: Math.floor(options.sessionTimeoutMs / 5) }
        : {}),
      ...(options.maxBytesPerPartition !== undefined ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
      ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
      ...(options.minBytes !== undefined ? { minBytes: options.minBytes } : {}),
      ...(options.maxWaitMs !== undefined ? { maxWaitTimeInMs: options.maxWaitMs } : {}),
    });
    this.liveness = new ConsumerLiveness(this.consumer);
    if (options.metrics) instrumentConsumer(this.consumer, options.metrics);
  }

  /** Called with this member's partitions after each rebalance. */
  onAssignment(listener: (assignment: Readonly<Record<string, number[]>>) => void): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => listener(event.payload.memberAssignment));
  }

  /** Joins the group and starts handing over batches. */
  async start({ topics, fromBeginning, concurrency = 1, autoResolve = true, eachBatch }: BatchReading): Promise<void> {
    const consumer = this.consumer;
    await consumer.connect();
    this.connected = true;
    await consumer.subscribe({ topics, fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: autoResolve,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: ({ batch, resolveOffset, heartbeat, isRunning, isStale, pause }) =>
        eachBatch({
          topic: batch.topic,
          partition: batch.partition,
          messages: batch.messages,
          highWatermark: batch.highWatermark,
          lastOffset: () => batch.lastOffset(),
          resolveOffset,
          heartbeat,
          isRunning,
          isStale,
          seek: (offset) => consumer.seek({ topic: batch.topic, partition: batch.partition, offset }),
          pause: () => {
            pause();
          },
        }),
    });
    this.liveness.started();
  }

  /** Reads a partition again from `offset` (outside a batch too: kafkajs applies it on its next fetch). */
  seek(topic: string, partition: number, offset: string): void {
    this.consumer.seek({ topic, partition, offset });
  }

  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    return this.consumer.commitOffsets(offsets);
  }

  /** Leaves the group (and deletes a throw-away one). Safe to call before start and twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.liveness.stopped();
      // only a consumer that connected has a group; asking a broker that never answered
      // would wait out kafkajs's retries
      if (!this.connected) return;
      await this.consumer.disconnect();
      if (this.options.throwawayGroup) await this.deleteGroup();
    })();
    return this.closing;
  }

  private async deleteGroup(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.options.groupId]);
    } catch {
      // best effort: an empty group expires by itself (offsets.retention.minutes)
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
