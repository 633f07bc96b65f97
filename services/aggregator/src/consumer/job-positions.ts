import type { Job } from '../jobs/job-schema';
import type { JobPosition } from '../state/redis-state';
import { aggregateBatch, type BatchInput, type BatchOutput, type InputMessage } from '../windowing/batch-aggregator';

/** Closed points as the state stores them ('' when none) as numbers, for aggregateBatch's lateness. */
export function closedPoints(closedSeen: ReadonlyMap<string, string>): Map<string, number> {
  return new Map([...closedSeen].map(([job, raw]) => [job, raw === '' ? -Infinity : Number(raw)]));
}

/** A job a reader counts in a batch, from its own next offset on. */
export interface CountedJob {
  job: Job;
  from: number;
  /** the highest event time it counted on the partition before (-Infinity: none) */
  maxTs: number;
}

/** Which jobs a reader counts in a batch, and what the checkpoint is told of each (CheckpointRequest.from). */
export interface CountingPlan {
  counted: CountedJob[];
  /** per job's state name: 'skip', or the exact position it is counted from (absent: the batch's start) */
  from: Map<string, string>;
}

/**
 * The live reader's plan for a batch starting at the partition's offset: every job there (or
 * never placed on this partition) is counted from the batch's start, a job ahead of it (a new
 * generation that started at `latest`, or a catch-up that overshot) from its own position,
 * and a job behind it is skipped: the catch-up reader counts it.
 */
export function livePlan(jobs: readonly Job[], positions: ReadonlyMap<string, JobPosition>, batchStart: number, partitionMaxTs: number): CountingPlan {
  const plan: CountingPlan = { counted: [], from: new Map() };
  for (const job of jobs) {
    const position = positions.get(job.stateId);
    const at = position?.offset == null ? batchStart : Number(position.offset);
    if (at < batchStart) plan.from.set(job.stateId, 'skip');
    else {
      if (at > batchStart) plan.from.set(job.stateId, String(at));
      plan.counted.push({ job, from: at, maxTs: Math.max(partitionMaxTs, position?.maxTs ?? -Infinity) });
    }
  }
  return plan;
}

/** The catch-up reader's plan: the jobs behind the live reader's offset, each from its own position. */
export function catchUpPlan(jobs: readonly Job[], positions: ReadonlyMap<string, JobPosition>, liveOffset: number | null): CountingPlan {
  const plan: CountingPlan = { counted: [], from: new Map() };
  if (liveOffset === null) return plan; // never read live: every job will be counted there
  for (const job of jobs) {
    const position = positions.get(job.stateId);
    if (position?.offset == null || Number(position.offset) >= liveOffset) continue;
    plan.counted.push({ job, from: Number(position.offset), maxTs: position.maxTs });
    plan.from.set(job.stateId, position.offset);
  }
  return plan;
}

/**
 * Folds a batch for the counted jobs, each over the records from its position on, into one
 * output. Jobs at the same position and event time (the usual case: all of them) are folded
 * in one pass, so each record is decoded once. With no job counted, the records are still
 * checked when `source` is given, for their dead letters.
 */
export function countBatch(
  counted: readonly CountedJob[],
  messages: readonly InputMessage[],
  input: Omit<BatchInput, 'jobs' | 'messages' | 'maxTs'> & { maxTs: number },
): BatchOutput {
  const groups = new Map<string, CountedJob[]>();
  for (const c of counted) {
    const id = `${c.from}/${c.maxTs}`;
    const group = groups.get(id);
    if (group) group.push(c);
    else groups.set(id, [c]);
  }
  if (groups.size === 0) return aggregateBatch({ ...input, jobs: [], messages: [...messages] });
  const outputs = [...groups.values()].map((group) => {
    const from = group[0]!.from;
    const ofGroup = messages.filter((m) => Number(m.offset) >= from);
    return aggregateBatch({ ...input, maxTs: group[0]!.maxTs, jobs: group.map((c) => c.job), messages: ofGroup });
  });
  return outputs.length === 1 ? outputs[0]! : merged(outputs);
}

/** Outputs of disjoint jobs over overlapping records: one dead letter per record. */
function merged(outputs: readonly BatchOutput[]): BatchOutput {
  const out: BatchOutput = { deltas: new Map(), late: [], deadLetters: [], maxTs: -Infinity, eventsPerJob: new Map(), latePerJob: new Map() };
  const letters = new Set<string>();
  for (const o of outputs) {
    for (const [k, d] of o.deltas) out.deltas.set(k, d);
    out.late.push(...o.late);
    for (const d of o.deadLetters) {
      if (letters.has(d.key)) continue;
      letters.add(d.key);
      out.deadLetters.push(d);
    }
    out.maxTs = Math.max(out.maxTs, o.maxTs);
    for (const [j, n] of o.eventsPerJob) out.eventsPerJob.set(j, n);
    for (const [j, n] of o.latePerJob) out.latePerJob.set(j, n);
  }
  return out;
}
