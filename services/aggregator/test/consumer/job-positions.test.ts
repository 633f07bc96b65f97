import { userAction } from '../support/events';
import { parseJobs } from '../../src/jobs/jobs-file';
import { catchUpPlan, countBatch, livePlan } from '../../src/consumer/job-positions';
import type { JobPosition } from '../../src/state/redis-state';

function jobsOf(defs: unknown[]) {
  const parsed = parseJobs(defs);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.jobs;
}

const job = (name: string) => ({ name, source: 't', key: { field: 'gender' }, window: { type: 'running' } });
const [live, behind, ahead, unplaced] = jobsOf([job('live'), job('behind'), job('ahead'), job('unplaced')]);
const at = (offset: string | null, maxTs = -Infinity): JobPosition => ({ offset, maxTs });
const positions = new Map([
  ['live', at('100', 5)],
  ['behind', at('40', 2)],
  ['ahead', at('130', 9)],
]);
const messages = Array.from({ length: 50 }, (_, i) => ({
  offset: String(100 + i),
  value: Buffer.from(JSON.stringify(userAction({ ts: 1000 + i, line: i + 1 }))),
}));

describe('which jobs a reader counts in a batch', () => {
  it('the live reader counts the jobs at its offset (or never placed) from the start, a job ahead from its position, and skips one behind', () => {
    const plan = livePlan([live!, behind!, ahead!, unplaced!], positions, 100, 3);
    expect(plan.counted.map((c) => [c.job.name, c.from, c.maxTs])).toEqual([
      ['live', 100, 5],
      ['ahead', 130, 9],
      ['unplaced', 100, 3],
    ]);
    expect(Object.fromEntries(plan.from)).toEqual({ behind: 'skip', ahead: '130' });
  });

  it('the catch-up reader counts only the jobs behind the live offset, each from its exact position; nothing before the live reader ever read', () => {
    const plan = catchUpPlan([live!, behind!, ahead!, unplaced!], positions, 100);
    expect(plan.counted.map((c) => [c.job.name, c.from, c.maxTs])).toEqual([['behind', 40, 2]]);
    expect(Object.fromEntries(plan.from)).toEqual({ behind: '40' });
    expect(catchUpPlan([behind!], positions, null).counted).toEqual([]);
  });

  it('counts each job over the records from its own position on, in one output, each record dead-lettered once', () => {
    const plan = livePlan([live!, ahead!], positions, 100, -Infinity);
    const bad = { offset: '149', value: Buffer.from('not json') };
    const out = countBatch(plan.counted, [...messages.slice(0, 49), bad], { topic: 't', partition: 0, closedBefore: new Map(), now: 0, maxTs: -Infinity });
    expect(out.eventsPerJob.get('live')).toBe(49);
    expect(out.eventsPerJob.get('ahead')).toBe(19); // offsets 130..148
    expect(out.deadLetters.map((d) => d.key)).toEqual(['t/0/149']);
  });

  it('with no job counted, still reads the records for their dead letters when given the source', () => {
    const out = countBatch([], [{ offset: '7', value: Buffer.from('[1]') }], {
      topic: 't',
      partition: 0,
      closedBefore: new Map(),
      now: 0,
      maxTs: -Infinity,
      source: live!.input,
    });
    expect(out.deadLetters.map((d) => d.key)).toEqual(['t/0/7']);
    expect(out.deltas.size).toBe(0);
  });
});
