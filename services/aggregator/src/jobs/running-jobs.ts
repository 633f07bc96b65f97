import { stateIdOf } from '../state/job-registry';
import type { Job } from './job-schema';

/**
 * The jobs this instance runs, as registered (their generations), shared by the live reader,
 * the catch-up reader, the emitter and the descriptions: when `recompute` registers a job's
 * next generation, `advance` moves every one of them to it at once (the lists are the same
 * objects), so the running instance counts, emits and describes the new generation from its
 * next batch and tick, with no restart.
 */
export class RunningJobs {
  readonly all: Job[];
  /** per source topic, its jobs (the same objects as `all`) */
  readonly byTopic = new Map<string, Job[]>();
  /** the jobs this instance stopped running: another instance registered a changed definition (see `stop`) */
  readonly outdated = new Set<string>();
  private readonly listeners: (() => void)[] = [];

  constructor(jobs: readonly Job[]) {
    this.all = [...jobs];
    for (const job of this.all) this.byTopic.set(job.source, [...(this.byTopic.get(job.source) ?? []), job]);
  }

  /** Calls `listener` after each move or stop: what shares the lists by reference needs no telling, a thread does. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Moves a job to a newer generation; false when it runs that one (or a newer) already, or is not run here. */
  advance(name: string, generation: number): boolean {
    const index = this.all.findIndex((j) => j.name === name);
    const current = this.all[index];
    if (!current || current.generation >= generation) return false;
    const next: Job = { ...current, generation, stateId: stateIdOf(name, generation) };
    this.all[index] = next;
    const ofTopic = this.byTopic.get(current.source)!;
    ofTopic[ofTopic.indexOf(current)] = next;
    for (const listener of this.listeners) listener();
    return true;
  }

  /**
   * Stops running a job here (it leaves every list at once): another instance, started with a
   * changed definition of it, registered its next generation, so this instance's definition is
   * outdated. Counting its own definition into the new generation's state would mix two
   * definitions in one result; the instances with the new jobs file count it. False when it is
   * not run here.
   */
  stop(name: string): boolean {
    const index = this.all.findIndex((j) => j.name === name);
    const current = this.all[index];
    if (!current) return false;
    this.all.splice(index, 1);
    const ofTopic = this.byTopic.get(current.source)!;
    ofTopic.splice(ofTopic.indexOf(current), 1);
    this.outdated.add(name);
    for (const listener of this.listeners) listener();
    return true;
  }
}
