import type { Logger } from 'pino';
import { Backoff, sleep } from '@streamtally/observability';
import { Job } from '../jobs/job-schema';
import { type CheckpointOutcome, type CheckpointRequest, type JobPosition, Ownership, RedisState, stateLayoutOf } from '../state/redis-state';
import { type BatchOutput, InputMessage, oldestWrittenAt } from '../windowing/batch-aggregator';
import { closedPoints, countBatch, livePlan } from './job-positions';
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

interface Owned extends Ownership {
  /** where each job (by state name) is on the partition, as last read or moved here */
  positions: Map<string, JobPosition>;
  sought: boolean;
  lastProgressAt: number;
  lag: number;
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
 */
export class PartitionProcessor {
  private readonly owned = new Map<string, Owned>();
  /** partitions with a batch being counted now (and since when): their Redis offset may be ahead of memory */
  private readonly busy = new Map<string, number>();
  private readonly now: () => number;
  private readonly applyCheckpoint: (request: CheckpointRequest) => Promise<CheckpointOutcome>;

  constructor(private readonly deps: PartitionProcessorDeps) {
    this.now = deps.now ?? Date.now;
    this.applyCheckpoint = deps.checkpoint ?? ((request) => deps.state.checkpoint(request));
  }

  /** After a rebalance every partition is taken afresh (a new epoch fences the old owner). */
  resetOwnership(): void {
    this.owned.clear();
    this.deps.metrics.partitionsOwned(0);
  }

  /** Partitions with records waiting that have not moved for `stallMs`. */
  stalledPartitions(stallMs: number): string[] {
    const now = this.now();
    const behind = [...this.owned].filter(([, o]) => o.lag > 0 && now - o.lastProgressAt > stallMs).map(([id]) => id);
    // a batch counted for that long waits on a reply that does not come (its lag is not known yet)
    const stuck = [...this.busy].filter(([id, since]) => now - since > stallMs && !behind.includes(id)).map(([id]) => id);
    return [...behind, ...stuck];
  }

  get ownedCount(): number {
    return this.owned.size;
  }

  /**
   * Compares each owned partition not being counted with Redis. A Redis failover can take
   * back the last checkpoints (asynchronous replication; state and offset together): the next
   * batch is then refused and counted again, but with no next record the lost events stayed
   * out of the results (seen in the Sentinel failover test). A partition at another offset in
   * Redis is let go and read again from there; one at another epoch is another instance's.
   */
  async resync(seek: (topic: string, partition: number, offset: string) => void): Promise<string[]> {
    const idle = [...this.owned].filter(([id]) => !this.busy.has(id)).map(([id, own]) => ({ id, own, seen: own.offset, ...partitionOf(id) }));
    if (idle.length === 0) return [];
    const inRedis = await this.deps.state.positions(idle);
    const moved: string[] = [];
    idle.forEach(({ id, own, seen, topic, partition }, i) => {
      // a batch that started or ended meanwhile has moved both: judged next time
      if (this.busy.has(id) || this.owned.get(id) !== own || own.offset !== seen) return;
      const redis = inRedis[i]!;
      if (redis.epoch !== own.epoch) {
        this.owned.delete(id);
        return;
      }
      if (redis.offset === null || redis.offset === own.offset) return;
      const message = 'Redis has this partition at another offset than counted here (a failover took back checkpoints?): reading it again from there';
      this.deps.logger.warn({ topic, partition, countedUpTo: own.offset, redisOffset: redis.offset }, message);
      this.owned.delete(id);
      seek(topic, partition, redis.offset);
      moved.push(id);
    });
    this.deps.metrics.partitionsOwned(this.owned.size);
    return moved;
  }

  /**
   * Counts one partition's batch into one checkpoint, trying again (with a back-off) while
   * Redis fails, until it is applied, refused for good, or the consumer stops. Ownership is
   * taken first; a batch not where Redis's offset says is re-positioned instead of counted.
   */
  async process(batch: BatchContext): Promise<void> {
    const id = `${batch.topic}:${batch.partition}`;
    this.busy.set(id, this.now());
    try {
      await this.processInTurn(batch);
    } finally {
      this.busy.delete(id);
    }
  }

  private async processInTurn(batch: BatchContext): Promise<void> {
    const backoff = new Backoff({ initialMs: this.deps.retryBackoffMs ?? 100, maxMs: 5000 });
    const sent = new Set<string>(); // side outputs already written by an earlier try
    let closedRetries = 0;
    while (batch.isRunning() && !batch.isStale()) {
      let outcome: Outcome;
      try {
        outcome = await this.countOnce(batch, sent, closedRetries < MAX_CLOSED_RETRIES);
      } catch (err) {
        await sleep(this.failedTry(batch, err, backoff.next()));
        outcome = 'retry';
      }
      if (outcome === 'left') return;
      if (outcome === 'closed') {
        closedRetries += 1; // a window closed while we counted: count again against it
        continue;
      }
      // outside the try: a rebalance reported by the heartbeat must reach kafkajs so it rejoins;
      // during Redis retries it also keeps the group membership alive
      await batch.heartbeat();
      if (outcome === 'counted') return;
    }
  }

  /** One try: own the partition, place the batch, count it, write its side outputs, checkpoint. */
  private async countOnce(batch: BatchContext, sent: Set<string>, mayCountAgain: boolean): Promise<Outcome> {
    const own = await this.ownership(batch);
    const messages = this.toCount(batch, own);
    if (messages === undefined) return 'left';
    const jobs = [...(this.deps.jobsByTopic.get(batch.topic) ?? [])]; // a copy: `recompute` may move a job to its next generation meanwhile
    const closedSeen = await this.deps.state.readClosed(jobs.map((j) => j.stateId));
    const closedBefore = closedPoints(closedSeen);
    const now = this.now();
    // each job from its own position: one behind is the catch-up reader's (it is backfilling)
    const plan = livePlan(jobs, own.positions, Number(own.offset), own.maxTs);
    const input = { topic: batch.topic, partition: batch.partition, maxTs: own.maxTs, closedBefore, now, ...(jobs[0] ? { source: jobs[0].input } : {}) };
    const out = countBatch(plan.counted, messages, input);
    await sendOnce(this.deps.sideOutputs, out, sent);
    const last = messages[messages.length - 1]!.offset;
    const toOffset = String(Number(last) + 1);
    const checkpointEnded = this.deps.metrics.checkpointStarted();
    const where = { topic: batch.topic, partition: batch.partition, epoch: own.epoch, fromOffset: own.offset, toOffset, maxTs: out.maxTs, now, closedSeen };
    const outcome = await this.applyCheckpoint({
      ...where,
      from: plan.from,
      deltas: out.deltas.values(),
      ...stateLayoutOf(jobs),
      writtenAt: oldestWrittenAt(messages),
    });
    checkpointEnded();
    if ((outcome === 'CLOSED' || outcome === 'JOBS') && mayCountAgain) {
      this.deps.metrics.checkpointFailed(outcome === 'CLOSED' ? 'closed' : 'jobs');
      // a job the catch-up reader brought up to this batch: count it here from where it is
      if (outcome === 'JOBS')
        own.positions = await this.deps.state.jobPositions(
          jobs.map((j) => j.stateId),
          batch.topic,
          batch.partition,
        );
      return 'closed';
    }
    if (outcome !== 'OK') return this.refused(batch, own, outcome);
    this.progressed(batch, own, { toOffset, last, messages: messages.length, out, counted: plan.counted.map((c) => c.job.stateId) });
    return 'counted';
  }

  /** The partition's ownership: read from Redis (a new epoch, fencing the last owner) the first time. */
  private async ownership(batch: BatchContext): Promise<Owned> {
    const id = `${batch.topic}:${batch.partition}`;
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

  /**
   * The batch's records from Redis's offset on; undefined when there are none to count here:
   * all counted before (seek to Redis's offset), Kafka started past it (seek back, once), or
   * Redis counted past the end of the log (pause: see below).
   */
  private toCount(batch: BatchContext, own: Owned): InputMessage[] | undefined {
    const { logger } = this.deps;
    const expected = Number(own.offset);
    const messages = batch.messages.filter((m) => Number(m.offset) >= expected);
    if (messages.length === 0) {
      if (expected > Number(batch.highWatermark)) {
        // Redis has counted past the end of the log: the topic was deleted and created
        // again under the same STATE_NAMESPACE. Seeking there would only bring kafkajs
        // back to the start, batch after batch; counting from the start would count into
        // the old topic's state. Say so, and leave the partition alone.
        logger.error(
          { topic: batch.topic, partition: batch.partition, countedUpTo: own.offset, logEnd: batch.highWatermark },
          'Redis has counted this partition past the end of its log (topic recreated?); not consuming it: clear the old state or use a new STATE_NAMESPACE',
        );
        this.deps.metrics.checkpointFailed('past_log_end');
        own.lag = Math.max(own.lag, 1); // reported as stalled once STALL_TIMEOUT_MS passes
        batch.pause();
        return undefined;
      }
      // all counted before (Kafka's committed offset lags Redis): jump to Redis's offset, and
      // tell Kafka too: a partition taken over after a crash, with nothing new to read, was
      // otherwise never committed again and Kafka's tools showed its lag for ever
      batch.seek(own.offset);
      this.deps.commitToKafka(batch.topic, batch.partition, own.offset);
      return undefined;
    }
    if (Number(messages[0]!.offset) > expected) {
      if (!own.sought) {
        // Kafka started past what Redis has counted: go back to Redis's offset
        own.sought = true;
        batch.seek(own.offset);
        return undefined;
      }
      logger.warn(
        { topic: batch.topic, partition: batch.partition, expected, first: messages[0]!.offset },
        'offsets missing from the log (retention or compaction); continuing after the gap',
      );
    }
    return messages;
  }

  /** A checkpoint Redis refused for good (fenced, out of step, closed too often): the partition is taken afresh. */
  private refused(batch: BatchContext, own: Owned, outcome: Exclude<CheckpointOutcome, 'OK'>): Outcome {
    this.deps.metrics.checkpointFailed(outcome === 'CLOSED' ? 'closed' : outcome === 'JOBS' ? 'jobs' : outcome === 'FENCED' ? 'fenced' : 'offset');
    this.deps.logger.warn({ topic: batch.topic, partition: batch.partition, outcome, epoch: own.epoch }, 'checkpoint refused; taking the partition afresh');
    this.owned.delete(`${batch.topic}:${batch.partition}`);
    this.deps.metrics.partitionsOwned(this.owned.size);
    return 'left';
  }

  /** An applied checkpoint: the partition's position and its jobs', kafkajs's, the metrics, and Kafka's committed offset move on. */
  private progressed(batch: BatchContext, own: Owned, done: { toOffset: string; last: string; messages: number; out: BatchOutput; counted: string[] }): void {
    own.offset = done.toOffset;
    for (const job of done.counted)
      own.positions.set(job, { offset: done.toOffset, maxTs: Math.max(done.out.maxTs, own.positions.get(job)?.maxTs ?? -Infinity) });
    own.maxTs = done.out.maxTs;
    own.lastProgressAt = this.now();
    own.lag = Math.max(0, Number(batch.highWatermark) - Number(done.toOffset));
    batch.resolveOffset(done.last);
    this.deps.metrics.batchCounted({
      topic: batch.topic,
      partition: batch.partition,
      records: done.messages,
      lag: own.lag,
      eventsPerJob: done.out.eventsPerJob,
      latePerJob: done.out.latePerJob,
      deadLetters: done.out.deadLetters.length,
    });
    this.deps.commitToKafka(batch.topic, batch.partition, done.toOffset);
  }

  /** A try that threw (Redis or Kafka away): counted, logged, the partition reported behind; returns the wait before the next. */
  private failedTry(batch: BatchContext, err: unknown, retryInMs: number): number {
    this.deps.metrics.checkpointFailed('error');
    const own = this.owned.get(`${batch.topic}:${batch.partition}`);
    if (own) own.lag = Math.max(own.lag, 1);
    this.deps.logger.warn({ err, topic: batch.topic, partition: batch.partition, retryInMs }, 'processing a batch failed; retrying');
    return retryInMs;
  }
}

/** `topic:partition` back into its parts (Kafka topic names hold no colon). */
function partitionOf(id: string): { topic: string; partition: number } {
  return { topic: id.slice(0, id.lastIndexOf(':')), partition: Number(id.slice(id.lastIndexOf(':') + 1)) };
}
