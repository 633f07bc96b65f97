/**
 * Per partition, the work still finishing a batch whose handler has returned: its checkpoint
 * being applied (and tried again, if it must be). The partition's next batch waits for it
 * before its own checkpoint goes; an error it ended with (a heartbeat that says the group
 * rebalances) is thrown to that next batch, so it reaches the consumer as if it had been
 * thrown by the batch itself.
 */
export class PartitionTails {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, unknown>();

  /** Runs `work` as the partition's tail; `ended` is called once it has ended, however. */
  follow(id: string, work: Promise<void>, ended: () => void): void {
    const tail: Promise<void> = work
      .catch((err: unknown) => void this.failures.set(id, err))
      .finally(() => {
        if (this.tails.get(id) === tail) this.tails.delete(id);
        ended();
      });
    this.tails.set(id, tail);
  }

  /** Whether the partition has a tail still running. */
  running(id: string): boolean {
    return this.tails.has(id);
  }

  /** Waits for the partition's tail; throws what it ended with. */
  async settled(id: string): Promise<void> {
    await this.tails.get(id);
    const failure = this.failures.get(id);
    if (failure === undefined) return;
    this.failures.delete(id);
    throw failure;
  }

  /** Every tail ended (closing: the last checkpoints land before Redis is let go). */
  async all(): Promise<void> {
    await Promise.all(this.tails.values());
  }

  /** After a rebalance: a failure of a batch before it says nothing about the new assignment. */
  forgetFailures(): void {
    this.failures.clear();
  }
}

/** Partitions with a batch being counted or applied: since when, by how many batches. */
export class BusyPartitions {
  private readonly held = new Map<string, { since: number; holds: number }>();

  constructor(private readonly now: () => number) {}

  /** Marks the partition busy until the function returned is called. */
  hold(id: string): () => void {
    const held = this.held.get(id) ?? { since: this.now(), holds: 0 };
    held.holds += 1;
    this.held.set(id, held);
    return () => {
      held.holds -= 1;
      if (held.holds === 0 && this.held.get(id) === held) this.held.delete(id);
    };
  }

  has(id: string): boolean {
    return this.held.has(id);
  }

  /** Each busy partition and since when it has been busy. */
  entries(): [string, number][] {
    return [...this.held].map(([id, { since }]) => [id, since]);
  }
}
