import type { Logger } from 'pino';
import { Backoff, sleep } from '@streamtally/observability';
import type { Job } from '../jobs/job-schema';
import { type CheckpointOutcome, type CheckpointRequest, type RedisState, stateLayoutOf } from '../state/redis-state';
import { closedPoints, catchUpPlan, countBatch } from './job-positions';
import { partitionId } from './owned-partition';
import { type BatchContext, sendOnce, type SideOutputs } from './side-outputs-once';

export interface CatchUpReaderDeps {
  state: RedisState;
  jobsByTopic: ReadonlyMap<string, readonly Job[]>;
  sideOutputs: SideOutputs;
  /** how a batch's checkpoint is applied (default: state.checkpoint, alone; backfill.ts: with other partitions', state/checkpoint-batcher.ts) */
  checkpoint?(request: CheckpointRequest): Promise<CheckpointOutcome>;
  /** events a job counted while catching up */
  counted(job: string, events: number): void;
  logger: Logger;
  now?: () => number;
}

/**
 * Counts the jobs that are behind the live reader (a job added to a running pipeline, a new
 * generation of a changed one) from their own positions, on a consumer of its own, while the
 * live reader goes on with the others: one pass over a partition serves every job behind on
 * it. Each checkpoint moves only those jobs' positions (compared first, so the live reader and
 * this one never count a record twice for a job); a job that reaches the live reader's offset
 * is the live reader's from then on, and a partition with no job behind is paused for good
 * (a job never falls behind again: the live reader moves every job it passes).
 */
export class CatchUpReader {
  /** partitions already sent back to their oldest job's position since the last assignment */
  private readonly sought = new Set<string>();
  private readonly now: () => number;
  private readonly checkpoint: (request: CheckpointRequest) => Promise<CheckpointOutcome>;

  constructor(private readonly deps: CatchUpReaderDeps) {
    this.now = deps.now ?? Date.now;
    this.checkpoint = deps.checkpoint ?? ((request) => deps.state.checkpoint(request));
  }

  resetAssignment(): void {
    this.sought.clear();
  }

  async process(batch: BatchContext): Promise<void> {
    const backoff = new Backoff({ initialMs: 100, maxMs: 5000 });
    const sent = new Set<string>();
    while (batch.isRunning() && !batch.isStale()) {
      try {
        if ((await this.countOnce(batch, sent)) === 'again') continue;
        await batch.heartbeat();
        return;
      } catch (err) {
        const retryInMs = backoff.next();
        this.deps.logger.warn({ err, topic: batch.topic, partition: batch.partition, retryInMs }, 'catching up on a batch failed; retrying');
        await sleep(retryInMs);
        await batch.heartbeat();
      }
    }
  }

  /** One try: which jobs are behind here, from where; count them over the batch; checkpoint their positions. */
  private async countOnce(batch: BatchContext, sent: Set<string>): Promise<'done' | 'again'> {
    const { state } = this.deps;
    const { topic, partition } = batch;
    const jobs = [...(this.deps.jobsByTopic.get(topic) ?? [])]; // a copy: `recompute` may move a job to its next generation meanwhile
    const names = jobs.map((j) => j.stateId);
    // the closed points too, of every job (those behind are known only after): one round trip
    // less per batch, each of which waits behind whatever script Redis runs for the live reader
    const [positions, [live], closedOfAll] = await Promise.all([
      state.jobPositions(names, topic, partition),
      state.positions([{ topic, partition }]),
      state.readClosed(names),
    ]);
    const plan = catchUpPlan(jobs, positions, live!.offset === null ? null : Number(live!.offset));
    if (plan.counted.length === 0) {
      batch.pause();
      return 'done';
    }
    const from = Math.min(...plan.counted.map((c) => c.from));
    const messages = this.toCount(batch, from);
    if (messages === undefined) return 'done';
    const behind = plan.counted.map((c) => c.job);
    const closedSeen = new Map(behind.map((j) => [j.stateId, closedOfAll.get(j.stateId) ?? '']));
    const closedBefore = closedPoints(closedSeen);
    const out = countBatch(plan.counted, messages, { topic, partition, maxTs: -Infinity, closedBefore, now: this.now() });
    // a record that cannot be read was a dead letter when the live reader passed it; a value a job cannot keep is this job's own
    out.deadLetters = out.deadLetters.filter((d) => d.letter.code === 'out_of_range');
    await sendOnce(this.deps.sideOutputs, out, sent);
    const last = messages[messages.length - 1]!.offset;
    const outcome = await this.checkpoint({
      topic,
      partition,
      epoch: '',
      fromOffset: String(from),
      toOffset: String(Number(last) + 1),
      maxTs: out.maxTs,
      now: this.now(),
      closedSeen,
      from: plan.from,
      deltas: out.deltas.values(),
      ...stateLayoutOf(behind),
    });
    this.deps.logger.debug({ topic, partition, from, to: Number(last) + 1, jobs: behind.map((j) => j.stateId), outcome }, 'catch-up checkpoint');
    // refused: a job moved meanwhile (the live reader took it over), or a window closed: read again
    if (outcome !== 'OK') return 'again';
    batch.resolveOffset(last);
    for (const [job, events] of out.eventsPerJob) this.deps.counted(job, events);
    return 'done';
  }

  /** The batch's records from `from` on; undefined after sending the reader there (once per assignment, then a gap is retention's). */
  private toCount(batch: BatchContext, from: number) {
    const id = partitionId(batch);
    const messages = batch.messages.filter((m) => Number(m.offset) >= from);
    if (messages.length === 0 || (Number(messages[0]!.offset) > from && !this.sought.has(id))) {
      this.sought.add(id);
      batch.seek(String(from));
      return undefined;
    }
    if (Number(messages[0]!.offset) > from)
      this.deps.logger.warn(
        { topic: batch.topic, partition: batch.partition, expected: from, first: messages[0]!.offset },
        "records missing from the log (retention dropped them before the backfill read them); the backfilling jobs' results miss them",
      );
    return messages;
  }
}
