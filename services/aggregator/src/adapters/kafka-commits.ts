import type { Logger } from 'pino';

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Offsets committed to Kafka, which only make lag visible to Kafka's own tools (Redis holds
 * the real ones): at most one commit per partition per interval, and the latest offset always
 * follows within one interval, also when the partition goes quiet, and at close: a throttle
 * that dropped the last offsets would leave a lag in `topics` that never goes away.
 */
export class KafkaCommits {
  private readonly lastCommit = new Map<string, number>();
  private readonly pending = new Map<string, PartitionOffset>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly commit: (offsets: PartitionOffset[]) => Promise<void>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  offer(offset: PartitionOffset): void {
    const id = `${offset.topic}:${offset.partition}`;
    const wait = (this.lastCommit.get(id) ?? -Infinity) + this.intervalMs - this.now();
    if (wait <= 0) {
      this.send(id, offset);
      return;
    }
    this.pending.set(id, offset);
    if (!this.timers.has(id)) {
      this.timers.set(
        id,
        setTimeout(() => {
          this.timers.delete(id);
          const latest = this.pending.get(id);
          if (latest) this.send(id, latest);
        }, wait),
      );
    }
  }

  /** Commits what is still pending; call before the consumer disconnects. */
  async flush(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const offsets = [...this.pending.values()];
    this.pending.clear();
    if (offsets.length > 0)
      await this.commit(offsets).catch((err) => this.logger.warn({ err }, 'committing the last offsets to Kafka failed (only lag display depends on it)'));
  }

  private send(id: string, offset: PartitionOffset): void {
    this.pending.delete(id);
    this.lastCommit.set(id, this.now());
    this.commit([offset]).catch((err) => this.logger.debug({ err }, 'commit to Kafka failed (only lag display depends on it)'));
  }
}
