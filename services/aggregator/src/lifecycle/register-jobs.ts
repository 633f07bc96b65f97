import type { Logger } from 'pino';
import type { PartitionOffsets } from '@streamtally/kafka-client';
import { type JobRegistry, stateIdOf } from '../state/job-registry';
import type { Job, StartFrom } from '../jobs/job-schema';

export interface RegisterDeps {
  registry: JobRegistry;
  /** each partition's first and next offset */
  offsetsOf(topic: string): Promise<PartitionOffsets[]>;
  /** per partition, the first offset written at or after `ms` */
  offsetsAt(topic: string, ms: number): Promise<{ partition: number; offset: string }[]>;
  logger: Logger;
  now: number;
}

/** Where a new generation of a job starts on each partition, and whether retention already dropped records it would count. */
export async function startOf(topic: string, startFrom: StartFrom, deps: Pick<RegisterDeps, 'offsetsOf' | 'offsetsAt'>) {
  const bounds = (await deps.offsetsOf(topic)).sort((a, b) => a.partition - b.partition);
  if (startFrom === 'latest') return { offsets: bounds.map((b) => b.end), partial: false };
  const at =
    startFrom === 'earliest'
      ? bounds.map((b) => b.start)
      : (await deps.offsetsAt(topic, startFrom.atMs)).sort((a, b) => a.partition - b.partition).map((o) => o.offset);
  // a partition whose oldest record kept is not its first, read from there: what came before is gone
  const partial = bounds.some((b, p) => b.start !== '0' && at[p] === b.start);
  return { offsets: at, partial };
}

/**
 * Registers every job of the jobs file in Redis and returns them with the generation that
 * runs: a new job, or a changed one, starts a generation that reads its source from
 * `startFrom` while the others stay live; an unchanged one goes on where it was. Jobs
 * registered before but no longer in the file are removed with their state.
 */
export async function registerJobs(jobs: readonly Job[], deps: RegisterDeps): Promise<Job[]> {
  const { registry, logger } = deps;
  const registered: Job[] = [];
  // jobs on one topic from the same startFrom start at the same offsets: asked of Kafka once
  const starts = new Map<string, ReturnType<typeof startOf>>();
  for (const job of jobs) {
    const id = `${job.source}/${JSON.stringify(job.startFrom)}`;
    if (!starts.has(id)) starts.set(id, startOf(job.source, job.startFrom, deps));
    const start = await starts.get(id)!;
    const { generation, status, previous, older } = await registry.register(job, start, deps.now);
    if (status === 'stale')
      throw new Error(
        `job "${job.name}": the jobs file has the definition that generation ${generation} replaced, and generation ${generation} is still catching up ` +
          `(another instance runs the new jobs file). Start this one with the same jobs file; to go back to this definition now, run \`recompute ${job.name}\` with this file`,
      );
    if (older) await registry.removeState(older); // changed again before its last change caught up
    const running = { ...job, generation, stateId: stateIdOf(job.name, generation) };
    registered.push(running);
    const from = typeof job.startFrom === 'object' ? new Date(job.startFrom.atMs).toISOString() : job.startFrom;
    if (status === 'new' || status === 'changed') {
      const message =
        status === 'new'
          ? 'new job: counting its source from startFrom'
          : "the job's definition changed: a new generation counts its source again from startFrom";
      // a changed definition is worth a warning (its results start again); a new job is the usual start
      logger[status === 'changed' ? 'warn' : 'info']({ job: job.name, generation, startFrom: from, ...(previous ? { replaces: previous } : {}) }, message);
      if (start.partial)
        logger.warn(
          { job: job.name, generation },
          "Kafka's retention has already dropped the oldest records of the job's source: its results will miss them (partial)",
        );
    } else if (status === 'adopted') {
      logger.info({ job: job.name }, 'job counted before registrations existed: it goes on from where every job was');
    }
  }
  await removeGone(jobs, deps);
  return registered;
}

/** Jobs no longer in the jobs file: their state (every generation still kept) and their registration go. */
async function removeGone(jobs: readonly Job[], { registry, logger }: RegisterDeps): Promise<void> {
  const names = new Set(jobs.map((j) => j.name));
  for (const [name, entry] of await registry.registered()) {
    if (names.has(name)) continue;
    let keys = await registry.removeState(stateIdOf(name, entry.generation));
    if (entry.retiring) keys += await registry.removeState(entry.retiring);
    await registry.forget(name);
    logger.warn({ job: name, generation: entry.generation, keys }, 'job removed from the jobs file: its state is removed');
  }
}

/**
 * `recompute <job>`: registers the next generation of one job, counting its source again from
 * its `startFrom`: running aggregators move to it at their next look at the jobs' progress. Refuses a name that is not a job of the jobs
 * file (naming those that are) and a job that has never run here.
 */
export async function recomputeJob(
  jobs: readonly Job[],
  name: string | undefined,
  deps: Omit<RegisterDeps, 'logger'>,
): Promise<{ ok: boolean; message: string }> {
  const known = jobs.map((j) => j.name).join(', ');
  const job = jobs.find((j) => j.name === name);
  if (!job) return { ok: false, message: `recompute: ${name === undefined ? 'which job?' : `"${name}" is not a job of the jobs file`} (its jobs: ${known})` };
  const registered = (await deps.registry.registered()).get(job.name);
  if (!registered)
    return { ok: false, message: `recompute: "${job.name}" has never run with this STATE_NAMESPACE: its first start counts from startFrom already` };
  const start = await startOf(job.source, job.startFrom, deps);
  const { generation, older } = await deps.registry.register(job, start, deps.now, { recompute: true });
  if (older) await deps.registry.removeState(older);
  const from = typeof job.startFrom === 'object' ? new Date(job.startFrom.atMs).toISOString() : job.startFrom;
  const partial = start.partial ? " (partial: Kafka's retention has dropped the oldest records)" : '';
  return {
    ok: true,
    message: `${job.name}: generation ${generation} registered, counting from ${from}: running aggregators take it up within PROGRESS_INTERVAL_MS${partial}`,
  };
}
