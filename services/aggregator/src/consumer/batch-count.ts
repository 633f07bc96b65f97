import type { Job } from '../jobs/job-schema';
import { type CheckpointRequest, type RedisState, stateLayoutOf } from '../state/redis-state';
import { type BatchOutput, type InputMessage, oldestWrittenAt } from '../windowing/batch-aggregator';
import { closedPoints, countBatch, livePlan } from './job-positions';
import type { CountBasis } from './owned-partition';
import type { BatchContext } from './side-outputs-once';

/** A batch counted, its checkpoint ready to apply. */
export interface Counted {
  /** where it was counted from */
  basis: CountBasis;
  request: CheckpointRequest;
  /** its last record's offset */
  last: string;
  records: number;
  out: BatchOutput;
  /** where the partition is once the checkpoint is applied: the next batch's basis */
  after: CountBasis;
}

export interface BatchCountDeps {
  state: Pick<RedisState, 'readClosed'>;
  jobsByTopic: ReadonlyMap<string, readonly Job[]>;
  now(): number;
}

/**
 * Counts a partition's records from `basis` on and builds the checkpoint. Its side outputs are
 * the caller's to write, once it knows the basis holds (sendOnce).
 */
export async function countBatchAt(deps: BatchCountDeps, batch: BatchContext, basis: CountBasis, messages: InputMessage[]): Promise<Counted> {
  const jobs = [...(deps.jobsByTopic.get(batch.topic) ?? [])]; // a copy: `recompute` may move a job to its next generation meanwhile
  const closedSeen = await deps.state.readClosed(jobs.map((j) => j.stateId));
  const now = deps.now();
  // each job from its own position: one behind is the catch-up reader's (it is backfilling)
  const plan = livePlan(jobs, basis.positions, Number(basis.offset), basis.maxTs);
  const input = {
    topic: batch.topic,
    partition: batch.partition,
    maxTs: basis.maxTs,
    closedBefore: closedPoints(closedSeen),
    now,
    ...(jobs[0] ? { source: jobs[0].input } : {}),
  };
  const out = countBatch(plan.counted, messages, input);
  const last = messages[messages.length - 1]!.offset;
  const toOffset = String(Number(last) + 1);
  const where = {
    topic: batch.topic,
    partition: batch.partition,
    epoch: basis.own.epoch,
    fromOffset: basis.offset,
    toOffset,
    maxTs: out.maxTs,
    now,
    closedSeen,
  };
  const request = { ...where, from: plan.from, deltas: out.deltas.values(), ...stateLayoutOf(jobs), writtenAt: oldestWrittenAt(messages) };
  // the jobs counted move on with the partition; those behind stay where they are
  const positions = new Map(basis.positions);
  for (const { job } of plan.counted)
    positions.set(job.stateId, { offset: toOffset, maxTs: Math.max(out.maxTs, positions.get(job.stateId)?.maxTs ?? -Infinity) });
  return { basis, request, last, records: messages.length, out, after: { own: basis.own, offset: toOffset, maxTs: out.maxTs, positions } };
}

/** The batch counted from where the batch before it leaves the partition (`basis`); undefined when it does not start there. */
export async function countAheadOf(deps: BatchCountDeps, batch: BatchContext, basis: CountBasis): Promise<Counted | undefined> {
  const messages = batch.messages.filter((m) => Number(m.offset) >= Number(basis.offset));
  if (messages[0]?.offset !== basis.offset) return undefined;
  return countBatchAt(deps, batch, basis, messages);
}
