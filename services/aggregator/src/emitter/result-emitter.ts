import type { Logger } from 'pino';
import { resultVersion, WindowResult } from '@streamtally/contracts';
import { Job } from '../jobs/job-schema';
import { type MergedSession, RedisState, windowIdOf } from '../state/redis-state';
import { buildResult, MAX_RESULT_BYTES } from '../windowing/results';
import { globalWatermark, PartitionProgress } from '../windowing/watermark';
import type { EmitterMetrics } from './emitter-metrics';
import { windowTypeOf } from '../windowing/window-types/registry';
import { eachAtOnce } from './each-at-once';
import { attachInputTimes, type EmitStep, type WindowState } from './emit-step';
import type { ReplicaWait } from './replica-wait';

/** Results must wait for a condition that passes by itself (e.g. a Redis replica to catch up). */
export class ResultsWait extends Error {}

export interface TopicOffsets {
  partition: number;
  startOffset: number;
  endOffset: number;
}

export interface ResultEmitterDeps {
  state: RedisState;
  jobs: readonly Job[];
  /** Kafka's start and end offset of every partition of the topic */
  topicOffsets(topic: string): Promise<TopicOffsets[]>;
  /** writes results; resolves once Kafka acknowledged them */
  publish(results: WindowResult[]): Promise<void>;
  /** true while this instance should emit for jobs reading `topic` */
  isEmitterFor(topic: string): boolean;
  /**
   * Which primary a step's state is read from, and whether that state is safe from a Redis
   * failover (on enough replicas of that primary): results are written only once it is
   * (absent: a single Redis; emitter/replica-wait.ts)
   */
  replicas?: ReplicaWait;
  idleTimeoutMs: number;
  /**
   * An emit writes provisional results for this many open windows of a job at most, the
   * newest; older open windows get their final result when they close (MAX_PROVISIONAL_WINDOWS)
   */
  maxProvisionalWindows?: number;
  /**
   * An emit closes this many windows of a job at most, the oldest; the job's next emit follows
   * at the next tick while more are due (MAX_FINALS_PER_EMIT)
   */
  maxFinalsPerEmit?: number;
  /**
   * With more windows due than that, an emit goes on for this many steps of maxFinalsPerEmit
   * at most, writing each step's results while it reads the next step's windows (default 4)
   */
  stepsPerEmit?: number;
  metrics: EmitterMetrics;
  logger: Logger;
  now?: () => number;
}

/**
 * Emits results from committed state only. Per job, on the instance that owns partition 0
 * of the job's source (one emitter per job, following rebalances): closes the windows the
 * global watermark has passed and writes their final results, and writes provisional
 * results for open windows whose counts changed. A crash between writing finals and
 * retiring the windows writes the same finals again, with the same versions.
 */
export class ResultEmitter {
  private readonly lastVersion = new Map<string, number>();
  private readonly lastRun = new Map<string, number>();
  /** since when each job has failed every emit (absent while it succeeds) */
  private readonly failingSince = new Map<string, number>();
  /** jobs whose last emit left windows due to close (maxFinalsPerEmit): due again at once */
  private readonly closingLeft = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly deps: ResultEmitterDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** One pass over the jobs that are due; returns the results written. */
  async tick(): Promise<WindowResult[]> {
    const { jobs, isEmitterFor } = this.deps;
    const now = this.now();
    const due = jobs.filter((job) => isEmitterFor(job.source) && now - (this.lastRun.get(job.name) ?? 0) >= job.emitEveryMs);
    if (due.length === 0) return [];
    const offsetsByTopic = new Map<string, TopicOffsets[]>();
    for (const topic of new Set(due.map((j) => j.source))) offsetsByTopic.set(topic, await this.deps.topicOffsets(topic));
    // the jobs at once, each its own round trips in turn: one after the other, a job waited for
    // every other job's (while a backfill kept Redis busy, a tick of seven jobs took 0.5-1 s)
    const written = await eachAtOnce(due, EMITS_AT_ONCE, (job) => this.emitDue(job, offsetsByTopic.get(job.source)!, now));
    return written.flat();
  }

  /** One due job's emit; one job failing (its results refused, say) must not hold back the others. */
  private async emitDue(job: Job, offsets: TopicOffsets[], now: number): Promise<WindowResult[]> {
    this.lastRun.set(job.name, now);
    try {
      const written = await this.emitJob(job, offsets, now);
      this.failingSince.delete(job.name);
      if (this.closingLeft.delete(job.name)) this.lastRun.delete(job.name);
      return written;
    } catch (err) {
      this.closingLeft.delete(job.name);
      if (!this.failingSince.has(job.name)) this.failingSince.set(job.name, now);
      this.deps.metrics.emitFailed(job.name);
      // a known wait (too few Redis replicas yet) is a reason, not a fault: no stack trace
      const detail = err instanceof ResultsWait ? { reason: err.message } : { err };
      this.deps.logger.warn(
        { ...detail, job: job.name, failingForMs: now - this.failingSince.get(job.name)! },
        "emitting results failed; retrying on the job's next turn",
      );
      return [];
    }
  }

  /** The jobs whose every emit has failed for at least `ms`: the instance is not healthy. */
  failingFor(ms: number, now = this.now()): string[] {
    return [...this.failingSince].filter(([, since]) => now - since >= ms).map(([job]) => job);
  }

  /** Each job failing every emit, and since when (for a thread's health report). */
  failing(): [job: string, since: number][] {
    return [...this.failingSince];
  }

  /**
   * One job's turn: close what the watermark has passed, write the finals and the changed
   * provisional results (only once the state is replicated), then retire the closed windows.
   * With more windows due than a step closes (a catch-up), more steps (stepsPerEmit): each
   * step's results are written while the next step's windows are read.
   */
  private async emitJob(job: Job, offsets: TopicOffsets[], now: number): Promise<WindowResult[]> {
    let step = await this.readWindows(job, offsets, now);
    const written: WindowResult[] = [];
    for (let steps = 1; ; steps += 1) {
      // one after the other, each waited on the other: in a catch-up the emitter fell seconds
      // behind the counting (docs/benchmarks.md, session 27)
      const next = step.more && steps < (this.deps.stepsPerEmit ?? STEPS_PER_EMIT) ? this.readMoreFinals(job, step) : undefined;
      next?.catch(() => undefined); // awaited below, unless writing this step fails first
      written.push(...(await this.writeStep(job, step, now)));
      if (next === undefined) break;
      step = await next;
    }
    if (step.more) this.closingLeft.add(job.name);
    return written;
  }

  /** Writes a step's results, then retires its closed windows. */
  private async writeStep(job: Job, step: EmitStep, now: number): Promise<WindowResult[]> {
    const { state, metrics } = this.deps;
    const { pending, watermark, finals, open, merged, stillOpenAfter } = step;
    const results = [...this.retractions(job, merged, now), ...this.changedResults(job, finals, open, now)];
    if (results.length === 0 && merged.length === 0) {
      metrics.openWindows(job.name, stillOpenAfter);
      return [];
    }
    const emittedPending = attachInputTimes(results, pending);
    // a result must never rest on state a failover could take back: the windows stay open
    // (closing is only retiring them, below) and this job tries again on its next turn
    await this.deps.replicas?.replicated(step.primary ?? '');
    await this.deps.publish(results);
    this.remember(job, results);
    metrics.resultsWritten(job.name, results, 'fields' in job.key);
    // sent together on the one connection (one round trip: one each cost an emit 100-500 ms
    // while checkpoints kept Redis busy, docs/benchmarks.md, session 26); independent of each other
    await Promise.all([state.clearPending(job.stateId, emittedPending), state.forgetMerged(job.stateId, merged), state.retire(job.stateId, finals, job.cells)]);
    // once their finals are written: a window being closed is not final yet
    metrics.openWindows(job.name, stillOpenAfter);
    if (finals.length > 0) this.deps.logger.debug({ job: job.name, finals: finals.length, watermark }, 'windows closed');
    return results;
  }

  /** From committed state: the job's watermark, the windows it closes now, the others still open. */
  private async readWindows(job: Job, offsets: TopicOffsets[], now: number): Promise<EmitStep> {
    const { state, metrics } = this.deps;
    const windowType = windowTypeOf(job.window);
    const primary = await this.deps.replicas?.readFrom();
    // the reads that do not wait on each other go together (see writeStep)
    const [merged, committed] = await Promise.all([
      windowType.family === 'session' ? state.mergedSessions(job.stateId) : [],
      state.readProgress(job.source, offsets.length, job.stateId),
    ]);
    const progress: PartitionProgress[] = offsets.map((o) => ({ ...committed[o.partition], ...o, partition: o.partition }));
    const watermark = globalWatermark(progress, job.allowedLatenessMs, now, this.deps.idleTimeoutMs);
    if (Number.isFinite(watermark)) metrics.watermarkLag(job.name, Math.max(0, (now - watermark) / 1000));
    // a catch-up can have tens of thousands due at once: a bounded share per step keeps the
    // emitter's memory and each step's time bounded (docs/benchmarks.md, session 26)
    const most = this.deps.maxFinalsPerEmit ?? Infinity;
    const closes = windowType.closes && Number.isFinite(watermark);
    // a catch-up can hold thousands of windows open (partitions' batches each span weeks of
    // event time, and a window closes once all have passed it): reading them all on every
    // emit was most of the work (docs/benchmarks.md); the newest are the ones worth showing
    // a final-only job writes nothing for its open windows: no need to read them
    // and of those, only the ones changed since this emitter last wrote them are read again
    const newest = job.emit === 'final' ? 0 : (this.deps.maxProvisionalWindows ?? Infinity);
    const written = (name: string) => {
      const version = this.lastVersion.get(`${job.stateId}@${name}`);
      return version === undefined ? undefined : version / 2;
    };
    // the open windows listed may include those closed here: left out below
    const [closing, { listed, changed }, openCount] = await Promise.all([
      closes ? state.close(job.stateId, watermark, most) : [],
      newest === 0 ? { listed: [], changed: [] } : state.changedOpen(job.stateId, newest, written),
      state.openCount(job.stateId),
    ]);
    const more = closing.length >= most;
    const closingNames = new Set(closing.map(windowIdOf));
    const opened = changed.filter((w) => !closingNames.has(windowIdOf(w)));
    // the pending times are sent first on the connection, so Redis reads them before the counts:
    // every input behind one is in the counts read after it
    const [pending, read] = await Promise.all([
      state.pending(job.stateId, [...closingNames, ...opened.map(windowIdOf)]),
      state.withState(job.stateId, [...closing, ...opened], job.cells),
    ]);
    const stillOpen = listed.filter((name) => !closingNames.has(name)).length;
    const stillOpenAfter = listed.length < newest && !more ? stillOpen : openCount - closing.length;
    const finals = read.slice(0, closing.length);
    return { pending, watermark, finals, open: read.slice(closing.length), merged, stillOpenAfter, more, closedUpTo: closing.at(-1)?.windowEnd, primary };
  }

  /**
   * The next share of the windows due at the watermark `previous` had: only those after the
   * ones it closed (they stay open until retired), and only finals.
   */
  private async readMoreFinals(job: Job, previous: EmitStep): Promise<EmitStep> {
    const { state } = this.deps;
    const most = this.deps.maxFinalsPerEmit ?? Infinity;
    const primary = await this.deps.replicas?.readFrom();
    const closing = await state.close(job.stateId, previous.watermark, most, previous.closedUpTo);
    const [pending, finals] = await Promise.all([state.pending(job.stateId, closing.map(windowIdOf)), state.withState(job.stateId, closing, job.cells)]);
    return {
      pending,
      watermark: previous.watermark,
      finals,
      open: [],
      merged: [],
      stillOpenAfter: previous.stillOpenAfter - closing.length,
      more: closing.length >= most,
      closedUpTo: closing.at(-1)?.windowEnd ?? previous.closedUpTo,
      primary,
    };
  }

  /**
   * For each session an event joined to an earlier one: a final result with no counts that
   * names the session it is now part of, so readers drop it. Its version outranks every result
   * the session had. A final-only job wrote none for it: nothing to retract.
   */
  private retractions(job: Job, merged: readonly MergedSession[], now: number): WindowResult[] {
    if (job.emit === 'final') return [];
    return merged.map((m) => ({
      job: job.name,
      windowStart: m.windowStart,
      windowEnd: m.windowEnd,
      sessionKey: m.sessionKey,
      mergedInto: m.into,
      counts: {},
      final: true,
      version: resultVersion(m.changes + 1, true),
      ...(job.generation > 1 ? { generation: job.generation } : {}),
      emittedAt: now,
    }));
  }

  /** Every final, and each open window whose version changed since it was last written. */
  private changedResults(job: Job, finals: readonly WindowState[], open: readonly WindowState[], now: number): WindowResult[] {
    const shape = {
      generation: job.generation,
      maxKeys: job.maxKeys,
      maxBytes: MAX_RESULT_BYTES,
      aggregates: job.aggregates,
      ...(job.orderBy !== undefined ? { orderBy: job.orderBy } : {}),
    };
    const results = finals.map((w) => buildResult({ ...w, job: job.name }, true, now, shape));
    if (job.emit === 'final') return results;
    for (const w of open) {
      const result = buildResult({ ...w, job: job.name }, false, now, shape);
      if (this.lastVersion.get(`${job.stateId}@${windowIdOf(w)}`) !== result.version) results.push(result);
    }
    return results;
  }

  /** The versions written, so an unchanged open window is not written again; a final one is done. */
  private remember(job: Job, results: readonly WindowResult[]): void {
    for (const r of results) {
      const name = `${job.stateId}@${windowIdOf(r)}`;
      if (r.final) this.lastVersion.delete(name);
      else this.lastVersion.set(name, r.version);
    }
  }
}

/**
 * Steps of an emit at most: a catch-up's emits each write STEPS_PER_EMIT x MAX_FINALS_PER_EMIT
 * finals at most, two steps' windows in memory at a time (docs/benchmarks.md, session 27).
 */
const STEPS_PER_EMIT = 4;

/** How many jobs one tick emits at once. */
const EMITS_AT_ONCE = 8;
