import { parseJobs } from '../../src/jobs/jobs-file';
import { RunningJobs } from '../../src/jobs/running-jobs';

function jobsOf(defs: unknown[]) {
  const parsed = parseJobs(defs);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.jobs;
}

describe('RunningJobs', () => {
  it('moves a job to a newer generation in every list at once, never back, and only jobs it runs', () => {
    const running = new RunningJobs(
      jobsOf([
        { name: 'a', source: 't', key: { field: 'gender' }, window: { type: 'running' } },
        { name: 'b', source: 't', key: { field: 'action' }, window: { type: 'running' } },
        { name: 'c', source: 'u', key: { field: 'gender' }, window: { type: 'running' } },
      ]),
    );
    const ofT = running.byTopic.get('t')!; // held by the readers: the same array afterwards
    expect(running.advance('b', 3)).toBe(true);
    expect(running.all.map((j) => [j.name, j.generation, j.stateId])).toEqual([
      ['a', 1, 'a'],
      ['b', 3, 'b~g3'],
      ['c', 1, 'c'],
    ]);
    expect(ofT.map((j) => j.stateId)).toEqual(['a', 'b~g3']);
    expect(running.byTopic.get('u')!.map((j) => j.stateId)).toEqual(['c']);
    expect(running.advance('b', 2)).toBe(false);
    expect(running.advance('b', 3)).toBe(false);
    expect(running.advance('nope', 2)).toBe(false);
    expect(running.all[1]!.stateId).toBe('b~g3');
  });

  it('stops running a job: it leaves every list at once and is named outdated; the others stay', () => {
    const running = new RunningJobs(
      jobsOf([
        { name: 'a', source: 't', key: { field: 'gender' }, window: { type: 'running' } },
        { name: 'b', source: 't', key: { field: 'action' }, window: { type: 'running' } },
      ]),
    );
    const all = running.all;
    const ofT = running.byTopic.get('t')!;
    expect(running.stop('a')).toBe(true);
    expect(all.map((j) => j.name)).toEqual(['b']);
    expect(ofT.map((j) => j.name)).toEqual(['b']);
    expect([...running.outdated]).toEqual(['a']);
    expect(running.stop('a')).toBe(false);
    expect(running.advance('a', 2)).toBe(false);
  });

  it('tells its listeners after each move or stop, and only then (a thread has no share of the lists)', () => {
    const running = new RunningJobs(
      jobsOf([
        { name: 'a', source: 't', key: { field: 'gender' }, window: { type: 'running' } },
        { name: 'b', source: 't', key: { field: 'action' }, window: { type: 'running' } },
      ]),
    );
    const told: string[][] = [];
    running.onChange(() => told.push(running.all.map((j) => j.stateId)));
    running.advance('a', 2);
    running.advance('a', 2); // runs it already: nothing to tell
    running.stop('b');
    running.stop('b');
    expect(told).toEqual([['a~g2', 'b'], ['a~g2']]);
  });
});
