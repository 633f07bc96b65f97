import type { Logger } from 'pino';
import { Backoff, sleep } from '@streamtally/observability';
import { Job } from '../jobs/job-schema';
import type { CheckpointOutcome, CheckpointRequest, RedisState } from '../state/redis-state';
import { type BatchCountDeps, type Counted, countAheadOf, countBatchAt } from './batch-count';
import { basisOf, type CountBasis, type Owned, partitionId, recordsToCount, stillAt } from './owned-partition';
import { BusyPartitions, PartitionTails } from './partition-tails';
import { resyncIdle, stalledOf } from './partition-positions';
import { type BatchContext, sendOnce, type SideOutputs } from './side-outputs-once';
import type { ProcessorMetrics } from './processor-metrics';

export type { BatchContext, SideOutputs } from './side-outputs-once';

export interface PartitionProcessorDeps {
  state: RedisState;
  jobsByTopic: ReadonlyMap<string, readonly Job[]>;
  sideOutputs: SideOutputs;
  /** the partition's log start offset, where a never-seen partition begins */
  startOffsetOf(topic: string, partition: number): Promise<string>;
  /** best-effort commit to Kafka, only so the usual tools show lag */
  commitToKafka(topic: string, partition: number, offset: string): void;
  metrics: ProcessorMetrics;
  logger: Logger;
  now?: () => number;
  /** first back-off after a Redis error, doubled up to 5 s */
  retryBackoffMs?: number;
  /** how a batch's checkpoint is applied (default: state.checkpoint, alone; app.ts: with other partitions', state/checkpoint-batcher.ts) */
  checkpoint?: (request: CheckpointRequest) => Promise<CheckpointOutcome>;
}

const MAX_CLOSED_RETRIES = 20;

/**
 * How one try of a batch ended: counted (heartbeat, then done), nothing to count here or
 * refused for good (done at once), counted against a window that closed meanwhile (count
 * again), or failed (back off, heartbeat, try again).
 */
type Outcome = 'counted' | 'left' | 'closed' | 'retry';

/**
 * Turns each partition batch into one atomic checkpoint in Redis. Redis is the source of
 * truth: on taking a partition the processor reads its offset there and seeks to it;
 * records before it are skipped (already counted). A checkpoint that Redis refuses is
 * never half-applied, and the offset never moves without its state.
 *
 * A batch is counted, and its checkpoint applied, after its handler returns, so Kafka fetches the next
 * batch, and it is counted, while Redis applies the checkpoint (docs/benchmarks.md, session
 * 23): the next batch is counted from where this one will leave the partition, and its
 * checkpoint goes only once this one is applied. Redis refuses a checkpoint that does not
 * start where the last one ended, so one counted ahead of a checkpoint that failed can never
 * be applied; it is counted again from where Redis is.
 */
export class PartitionProcessor {
  private readonly owned = new Map<string, Owned>();
  /** partitions with a batch being counted or applied: their Redis offset may be ahead of memory */
  private readonly busy: BusyPartitions;
  /** per partition, where its last counted batch leaves it (the next batch is counted from there) */
  private readonly ahead = new Map<string, CountBasis>();
  private readonly tails = new PartitionTails();
  /** per partition, the batch being counted and handed on (process) */
  private readonly counting = new PartitionTails();
  /**
   * which assignment this is (one more at each rebalance): a batch fetched before a rebalance
   * is not counted after it (taking the partition afresh would fence its new owner)
   */
  private assignment = 0;
  private readonly now: () => number;
  private readonly applyCheckpoint: (request: CheckpointRequest) => Promise<CheckpointOutcome>;

  constructor(private readonly deps: PartitionProcessorDeps) {
    this.now = deps.now ?? Date.now;
    this.busy = new BusyPartitions(this.now);
    this.applyCheckpoint = deps.checkpoint ?? ((request) => deps.state.checkpoint(request));
    this.countDeps = { ...deps, now: this.now };
  }

  private readonly countDeps: BatchCountDeps;

  /** After a rebalance every partition is taken afresh (a new epoch fences the old owner). */
  resetOwnership(): void {
    this.assignment += 1;
    this.owned.clear();
    this.ahead.clear();
    this.tails.forgetFailures();
    this.counting.forgetFailures();
    this.deps.metrics.partitionsOwned(0);
  }

  /** Partitions with records waiting that have not moved for `stallMs`. */
  stalledPartitions(stallMs: number): string[] {
    return stalledOf(this.owned, this.busy, this.now(), stallMs);
  }

  get ownedCount(): number {
    return this.owned.size;
  }

  /** Waits for the checkpoints still being applied (closing: before Redis is let go). */
  async settle(): Promise<void> {
    await this.counting.all();
    await this.tails.all();
  }

  /**
   * Compares each owned partition not being counted with Redis. A Redis failover can take
   * back the last checkpoints (asynchronous replication; state and offset together): the next
   * batch is then refused and counted again, but with no next record the lost events stayed
   * out of the results (seen in the Sentinel failover test). A partition at another offset in
   * Redis is let go and read again from there; one at another epoch is another instance's.
   */
  async resync(seek: (topic: string, partition: number, offset: string) => void): Promise<string[]> {
    const moved = await resyncIdle(this.owned, this.busy, this.deps, seek);
    this.deps.metrics.partitionsOwned(this.owned.size);
    return moved;
  }

  /**
   * Takes a partition's batch: it is counted once the partition's batch before it is counted
   * and handed on (countAndHandOn). Returns as soon as that one is, before this one is counted:
   * kafkajs fetches again only once every handler of a fetch has returned, so the next fetch
   * now runs while this batch is counted (one after the other, the fetch was a third of a stats
   * catch-up's time: docs/benchmarks.md, session 25). The fetch reads on past the batch; where
   * it must go back (a checkpoint refused, a gap), a seek says so. An error the batch before
   * ended with (a heartbeat that says the group rebalances) is thrown here.
   */
  async process(batch: BatchContext): Promise<void> {
    const id = partitionId(batch);
    const before = this.counting.settled(id);
    const assignment = this.assignment;
    const count = () => (assignment === this.assignment ? this.countAndHandOn(batch) : undefined);
    this.counting.follow(id, before.then(count, count), () => undefined);
    await before;
    const last = batch.messages[batch.messages.length - 1];
    if (last && batch.isRunning() && !batch.isStale()) batch.resolveOffset(last.offset);
  }

  /**
   * Counts one partition's batch into one checkpoint, while the partition's previous
   * checkpoint is applied, then hands the checkpoint on (see the class). Until it is applied,
   * refused for good, or the consumer stops, it is tried again (with a back-off while Redis
   * fails), and the partition's next batch waits for that before its checkpoint goes.
   */
  private async countAndHandOn(batch: BatchContext): Promise<void> {
    const id = partitionId(batch);
    const release = this.busy.hold(id);
    let handedOn = false;
    try {
      const sent = new Set<string>(); // side outputs already written by an earlier try
      const ahead = this.ahead.get(id);
      // a count that fails here is only tried again below, once the partition is settled
      let counted = ahead && this.tails.running(id) ? await countAheadOf(this.countDeps, batch, ahead).catch(() => undefined) : undefined;
      await this.tails.settled(id);
      if (counted && !stillAt(counted.basis, this.owned.get(id))) counted = undefined; // the one before was not applied
      // its late events and dead letters only once its basis holds: counted from another, they could differ
      if (counted && !(await succeeded(sendOnce(this.deps.sideOutputs, counted.out, sent)))) counted = undefined;
      counted ??= await this.countInTurn(batch, sent);
      if (!counted || !batch.isRunning() || batch.isStale()) return;
      this.ahead.set(id, counted.after);
      this.tails.follow(id, this.apply(batch, sent, counted), release);
      handedOn = true;
    } finally {
      if (!handedOn) release();
    }
  }

  /** The batch counted from where Redis has the partition, trying again while that fails; undefined when it is not counted here. */
  private async countInTurn(batch: BatchContext, sent: Set<string>): Promise<Counted | undefined> {
    const backoff = new Backoff({ initialMs: this.deps.retryBackoffMs ?? 100, maxMs: 5000 });
    while (batch.isRunning() && !batch.isStale()) {
      try {
        return await this.countHere(batch, sent);
      } catch (err) {
        await sleep(this.failedTry(batch, err, backoff.next()));
        await batch.heartbeat();
      }
    }
    return undefined;
  }

  /**
   * Applies a batch's checkpoint (`counted`: the batch counted already, else counted here from
   * where Redis has the partition); until it is applied, refused for good or the consumer
   * stops, counts the batch again and tries again (with a back-off while Redis fails).
   */
  private async apply(batch: BatchContext, sent: Set<string>, counted?: Counted): Promise<void> {
    const backoff = new Backoff({ initialMs: this.deps.retryBackoffMs ?? 100, maxMs: 5000 });
    let closedRetries = 0;
    let given = counted; // applied whatever the consumer's state: it was handed on while running
    while (given || (batch.isRunning() && !batch.isStale())) {
      let outcome: Outcome;
      try {
        const next = given ?? (await this.countHere(batch, sent));
        given = undefined;
        outcome = next ? await this.checkpoint(batch, next, closedRetries < MAX_CLOSED_RETRIES) : 'left';
      } catch (err) {
        given = undefined;
        await sleep(this.failedTry(batch, err, backoff.next()));
        outcome = 'retry';
      }
      if (outcome === 'left') return;
      if (outcome === 'closed') {
        closedRetries += 1; // a window closed while we counted: count again against it
        continue;
      }
      // outside the try: a rebalance reported by the heartbeat must reach kafkajs so it rejoins;
      // during Redis retries it also keeps the group membership alive (a closed consumer has none)
      if (batch.isRunning()) await batch.heartbeat();
      if (outcome === 'counted') return;
    }
  }

  /** The batch counted from where Redis has the partition (owned first); undefined when it is not counted here. */
  private async countHere(batch: BatchContext, sent: Set<string>): Promise<Counted | undefined> {
    const own = await this.ownership(batch);
    const messages = recordsToCount(batch, own, this.deps);
    if (!messages) return undefined;
    const counted = await countBatchAt(this.countDeps, batch, basisOf(own), messages);
    await sendOnce(this.deps.sideOutputs, counted.out, sent);
    return counted;
  }

  /** Applies a counted batch's checkpoint: counted, refused for good (left), or to count again (closed). */
  private async checkpoint(batch: BatchContext, counted: Counted, mayCountAgain: boolean): Promise<Outcome> {
    const own = counted.basis.own;
    const checkpointEnded = this.deps.metrics.checkpointStarted();
    const outcome = await this.applyCheckpoint(counted.request);
    checkpointEnded();
    if ((outcome === 'CLOSED' || outcome === 'JOBS') && mayCountAgain) {
      this.deps.metrics.checkpointFailed(outcome === 'CLOSED' ? 'closed' : 'jobs');
      // a job the catch-up reader brought up to this batch: count it here from where it is
      if (outcome === 'JOBS') own.positions = await this.deps.state.jobPositions([...counted.request.closedSeen.keys()], batch.topic, batch.partition);
      return 'closed';
    }
    if (outcome !== 'OK') return this.refused(batch, own, outcome);
    this.progressed(batch, counted);
    return 'counted';
  }

  /** The partition's ownership: read from Redis (a new epoch, fencing the last owner) the first time. */
  private async ownership(batch: BatchContext): Promise<Owned> {
    const id = partitionId(batch);
    const known = this.owned.get(id);
    if (known) return known;
    const startOffset = await this.deps.startOffsetOf(batch.topic, batch.partition);
    const acquired = await this.deps.state.acquire(batch.topic, batch.partition, startOffset);
    const jobs = (this.deps.jobsByTopic.get(batch.topic) ?? []).map((j) => j.stateId);
    const positions = await this.deps.state.jobPositions(jobs, batch.topic, batch.partition);
    const own: Owned = { ...acquired, positions, sought: false, lastProgressAt: this.now(), lag: 0 };
    this.owned.set(id, own);
    this.deps.metrics.partitionsOwned(this.owned.size);
    this.deps.logger.info({ topic: batch.topic, partition: batch.partition, epoch: own.epoch, offset: own.offset }, 'took partition');
    return own;
  }

  /** A checkpoint Redis refused for good (fenced, out of step, closed too often): the partition is taken afresh. */
  private refused(batch: BatchContext, own: Owned, outcome: Exclude<CheckpointOutcome, 'OK'>): Outcome {
    this.deps.metrics.checkpointFailed(outcome === 'CLOSED' ? 'closed' : outcome === 'JOBS' ? 'jobs' : outcome === 'FENCED' ? 'fenced' : 'offset');
    this.deps.logger.warn({ topic: batch.topic, partition: batch.partition, outcome, epoch: own.epoch }, 'checkpoint refused; taking the partition afresh');
    const id = partitionId(batch);
    if (this.owned.get(id) === own) this.owned.delete(id); // (a rebalance meanwhile may have taken it afresh already)
    // the fetch had read on past the batch (it was handed on): read it again, from where it was counted from
    if (batch.isRunning() && !batch.isStale()) batch.seek(own.offset);
    this.deps.metrics.partitionsOwned(this.owned.size);
    return 'left';
  }

  /** An applied checkpoint: the partition's position and its jobs', the metrics, and Kafka's committed offset move on (kafkajs's did when it was handed on). */
  private progressed(batch: BatchContext, { basis, after, records, out }: Counted): void {
    const own = basis.own;
    own.offset = after.offset;
    own.positions = after.positions;
    own.maxTs = after.maxTs;
    own.lastProgressAt = this.now();
    own.lag = Math.max(0, Number(batch.highWatermark) - Number(after.offset));
    this.deps.metrics.batchCounted({
      topic: batch.topic,
      partition: batch.partition,
      records,
      lag: own.lag,
      eventsPerJob: out.eventsPerJob,
      latePerJob: out.latePerJob,
      deadLetters: out.deadLetters.length,
    });
    this.deps.commitToKafka(batch.topic, batch.partition, after.offset);
  }

  /** A try that threw (Redis or Kafka away): counted, logged, the partition reported behind; returns the wait before the next. */
  private failedTry(batch: BatchContext, err: unknown, retryInMs: number): number {
    this.deps.metrics.checkpointFailed('error');
    const own = this.owned.get(partitionId(batch));
    if (own) own.lag = Math.max(own.lag, 1);
    this.deps.logger.warn({ err, topic: batch.topic, partition: batch.partition, retryInMs }, 'processing a batch failed; retrying');
    return retryInMs;
  }
}

/** Whether `work` ended without an error. */
const succeeded = (work: Promise<unknown>): Promise<boolean> => work.then(() => true).catch(() => false);
