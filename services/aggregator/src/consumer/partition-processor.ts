import type { Logger } from 'pino';
import { DeadLetter, LateEvent } from '@streamtally/contracts';
import { Backoff, sleep } from '@streamtally/observability';
import { Job } from '../jobs/job-schema';
import { AggregatorMetrics } from '../metrics';
import { Ownership, RedisState } from '../state/redis-state';
import { aggregateBatch, InputMessage, oldestWrittenAt } from '../windowing/batch-aggregator';

/** The parts of a kafkajs eachBatch payload the processor uses. */
export interface BatchContext {
  topic: string;
  partition: number;
  messages: InputMessage[];
  highWatermark: string;
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  seek(offset: string): void;
  /** stops fetching this partition (until the next rebalance) */
  pause(): void;
  isRunning(): boolean;
  isStale(): boolean;
}

export interface SideOutputs {
  /** writes late events and dead letters; resolves once Kafka acknowledged them */
  send(late: LateEvent[], deadLetters: { key: string; letter: DeadLetter }[]): Promise<void>;
}

export interface PartitionProcessorDeps {
  state: RedisState;
  jobsByTopic: ReadonlyMap<string, readonly Job[]>;
  sideOutputs: SideOutputs;
  /** the partition's log start offset, where a never-seen partition begins */
  startOffsetOf(topic: string, partition: number): Promise<string>;
  /** best-effort commit to Kafka, only so the usual tools show lag */
  commitToKafka(topic: string, partition: number, offset: string): void;
  metrics: AggregatorMetrics;
  logger: Logger;
  now?: () => number;
  /** first back-off after a Redis error, doubled up to 5 s */
  retryBackoffMs?: number;
}

interface Owned extends Ownership {
  sought: boolean;
  lastProgressAt: number;
  lag: number;
}

const MAX_CLOSED_RETRIES = 20;

/**
 * Turns each partition batch into one atomic checkpoint in Redis. Redis is the source of
 * truth: on taking a partition the processor reads its offset there and seeks to it;
 * records before it are skipped (already counted). A checkpoint that Redis refuses is
 * never half-applied, and the offset never moves without its state.
 */
export class PartitionProcessor {
  private readonly owned = new Map<string, Owned>();
  private readonly now: () => number;

  constructor(private readonly deps: PartitionProcessorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** After a rebalance every partition is taken afresh (a new epoch fences the old owner). */
  resetOwnership(): void {
    this.owned.clear();
    this.deps.metrics.ownedPartitions.set(0);
  }

  /** Partitions with records waiting that have not moved for `stallMs`. */
  stalledPartitions(stallMs: number): string[] {
    const now = this.now();
    return [...this.owned].filter(([, o]) => o.lag > 0 && now - o.lastProgressAt > stallMs).map(([id]) => id);
  }

  get ownedCount(): number {
    return this.owned.size;
  }

  async process(batch: BatchContext): Promise<void> {
    const { state, logger, metrics } = this.deps;
    const id = `${batch.topic}:${batch.partition}`;
    const jobs = this.deps.jobsByTopic.get(batch.topic) ?? [];
    const backoff = new Backoff({ initialMs: this.deps.retryBackoffMs ?? 100, maxMs: 5000 });
    let closedRetries = 0;
    const sentSideOutputs = new Set<string>();
    let heartbeatDue = false;

    while (batch.isRunning() && !batch.isStale()) {
      try {
        let own = this.owned.get(id);
        if (!own) {
          const startOffset = await this.deps.startOffsetOf(batch.topic, batch.partition);
          const acquired = await state.acquire(batch.topic, batch.partition, startOffset);
          own = { ...acquired, sought: false, lastProgressAt: this.now(), lag: 0 };
          this.owned.set(id, own);
          metrics.ownedPartitions.set(this.owned.size);
          logger.info({ topic: batch.topic, partition: batch.partition, epoch: own.epoch, offset: own.offset }, 'took partition');
        }
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
            metrics.checkpointFailures.inc({ reason: 'past_log_end' });
            own.lag = Math.max(own.lag, 1); // reported as stalled once STALL_TIMEOUT_MS passes
            batch.pause();
            return;
          }
          // all counted before (Kafka's committed offset lags Redis): jump to Redis's offset
          batch.seek(own.offset);
          return;
        }
        if (Number(messages[0]!.offset) > expected) {
          if (!own.sought) {
            // Kafka started past what Redis has counted: go back to Redis's offset
            own.sought = true;
            batch.seek(own.offset);
            return;
          }
          logger.warn(
            { topic: batch.topic, partition: batch.partition, expected, first: messages[0]!.offset },
            'offsets missing from the log (retention or compaction); continuing after the gap',
          );
        }
        const last = messages[messages.length - 1]!.offset;
        const closedSeen = await state.readClosed(jobs.map((j) => j.name));
        const closedBefore = new Map([...closedSeen].map(([job, raw]) => [job, raw === '' ? -Infinity : Number(raw)]));
        const now = this.now();
        const out = aggregateBatch({ topic: batch.topic, partition: batch.partition, messages, maxTs: own.maxTs, closedBefore, jobs, now });

        // side outputs go first: a crash after them repeats them (keyed, at least once) but never loses them
        const late = out.late.filter((l) => !sentSideOutputs.has(`${l.source.offset}/${l.job}/${l.windowStart}`));
        const dead = out.deadLetters.filter((d) => !sentSideOutputs.has(d.key));
        if (late.length > 0 || dead.length > 0) {
          await this.deps.sideOutputs.send(late, dead);
          for (const l of late) sentSideOutputs.add(`${l.source.offset}/${l.job}/${l.windowStart}`);
          for (const d of dead) sentSideOutputs.add(d.key);
        }

        const toOffset = String(Number(last) + 1);
        const timer = metrics.checkpointDuration.startTimer();
        const outcome = await state.checkpoint({
          topic: batch.topic,
          partition: batch.partition,
          epoch: own.epoch,
          fromOffset: own.offset,
          toOffset,
          maxTs: out.maxTs,
          now,
          closedSeen,
          deltas: out.deltas.values(),
          writtenAt: oldestWrittenAt(messages),
        });
        timer();
        if (outcome === 'CLOSED' && closedRetries < MAX_CLOSED_RETRIES) {
          // a window closed while we counted: count again against the new closed point
          metrics.checkpointFailures.inc({ reason: 'closed' });
          closedRetries += 1;
          continue;
        }
        if (outcome !== 'OK') {
          metrics.checkpointFailures.inc({ reason: outcome.toLowerCase() });
          logger.warn({ topic: batch.topic, partition: batch.partition, outcome, epoch: own.epoch }, 'checkpoint refused; taking the partition afresh');
          this.owned.delete(id);
          metrics.ownedPartitions.set(this.owned.size);
          return;
        }
        own.offset = toOffset;
        own.maxTs = out.maxTs;
        own.lastProgressAt = this.now();
        own.lag = Math.max(0, Number(batch.highWatermark) - Number(toOffset));
        batch.resolveOffset(last);
        metrics.records.inc({ topic: batch.topic }, messages.length);
        metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, own.lag);
        for (const [job, n] of out.eventsPerJob) metrics.events.inc({ aggregation: job }, n);
        for (const [job, n] of out.latePerJob) metrics.lateEvents.inc({ aggregation: job }, n);
        if (out.deadLetters.length > 0) metrics.deadLetters.inc({ topic: batch.topic }, out.deadLetters.length);
        this.deps.commitToKafka(batch.topic, batch.partition, toOffset);
        heartbeatDue = true;
      } catch (err) {
        metrics.checkpointFailures.inc({ reason: 'error' });
        const own = this.owned.get(id);
        if (own) own.lag = Math.max(own.lag, 1);
        const retryInMs = backoff.next();
        logger.warn({ err, topic: batch.topic, partition: batch.partition, retryInMs }, 'processing a batch failed; retrying');
        await sleep(retryInMs);
      }
      // outside the try: a rebalance reported by the heartbeat must reach kafkajs so it rejoins;
      // during Redis retries it also keeps the group membership alive
      await batch.heartbeat();
      if (heartbeatDue) return;
    }
  }
}
