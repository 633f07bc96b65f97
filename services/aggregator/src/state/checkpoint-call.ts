import type { CheckpointRequest } from './checkpoint-request';
import { positionField, type stateKeys } from './keys';
import { groupDeltas } from './merge-deltas';
import { cellListArg, packDeltas } from './state-encoding';
import type { WindowDelta } from '../windowing/batch-aggregator';

/**
 * CHECKPOINT_BATCH's keys and arguments (see there) for one batch, or for several partitions'
 * batches of one topic counting the same jobs, a window's deltas from several of them as one.
 */
export function checkpointCall(keys: ReturnType<typeof stateKeys>, requests: readonly CheckpointRequest[]): { keys: string[]; args: (string | Buffer)[] } {
  const first = requests[0]!;
  const jobs = [...first.closedSeen.keys()];
  for (const r of requests)
    if (r.topic !== first.topic || [...r.closedSeen.keys()].join('\n') !== jobs.join('\n'))
      throw new Error('one checkpoint call takes batches of one topic counting the same jobs');
  const callKeys = requests.map((r) => keys.partition(r.topic, r.partition));
  const args: (string | Buffer)[] = [String(requests.length)];
  for (const r of requests) args.push(r.epoch, r.fromOffset, r.toOffset, Number.isFinite(r.maxTs) ? String(r.maxTs) : '', positionField(r.topic, r.partition));
  // a window's pending time is its oldest input's: the oldest of the batches
  const writtenAt = Math.min(...requests.map((r) => (r.writtenAt !== undefined && Number.isFinite(r.writtenAt) ? r.writtenAt : Infinity)));
  args.push(String(Math.max(...requests.map((r) => r.now))), Number.isFinite(writtenAt) ? String(writtenAt) : '', String(jobs.length));
  const groups = groupDeltas(requests.map((r) => r.deltas));
  const lowestEnds = lowestEndsOf(groups);
  for (const job of jobs) {
    callKeys.push(keys.closed(job), keys.open(job), keys.pending(job), keys.versions(job), keys.positions(job), keys.sessions(job), keys.merged(job));
    const cellList = cellListArg(first.cells?.get(job) ?? []);
    const gap = first.gaps?.get(job);
    const lowestEnd = lowestEnds.get(job);
    args.push(keys.windowPrefix(job), cellList, gap === undefined ? '' : String(gap), lowestEnd === undefined ? '' : String(lowestEnd));
  }
  for (const r of requests) for (const job of jobs) args.push(r.closedSeen.get(job) ?? '', r.from?.get(job) ?? '');
  args.push(packDeltas(groups, jobs, first.cells));
  return { keys: callKeys, args };
}

/** Per job, the lowest end of a window its deltas touch (a running total's window, never closed, has none). */
function lowestEndsOf(groups: readonly (readonly WindowDelta[])[]): Map<string, number> {
  const lowest = new Map<string, number>();
  for (const [d] of groups as readonly [WindowDelta][]) {
    if (d.windowEnd === null) continue;
    const known = lowest.get(d.job);
    if (known === undefined || d.windowEnd < known) lowest.set(d.job, d.windowEnd);
  }
  return lowest;
}
