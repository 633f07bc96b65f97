import type Redis from 'ioredis';
import { PartitionProgress } from '../windowing/watermark';
import { ACQUIRE_PARTITION, CHECKPOINT_BATCH, CLEAR_PENDING, CLOSE_WINDOWS } from './scripts';
import { READ_WINDOWS } from './read-scripts';
import { checkpointCall } from './checkpoint-call';
import { positionField, stateKeys, windowReadKeys } from './keys';
import { FORGET_SESSIONS } from './session-scripts';
import { RETIRE_WINDOWS } from './window-scripts';
import type { CheckpointOutcome, CheckpointRequest, JobPosition, Ownership } from './checkpoint-request';
import { type MergedSession, type WindowId, windowIdOf, windowOfMember } from './window-names';

export { type CheckpointOutcome, type CheckpointRequest, type JobPosition, type Ownership, stateLayoutOf } from './checkpoint-request';
export { type MergedSession, type WindowId, windowIdOf } from './window-names';
import { type CellSpec, cellListArg } from './state-encoding';
import { type CellTable, readCells } from './cell-table';
import { keyedRecord } from '../windowing/keyed-record';

export { type CellSpec, packDeltas } from './state-encoding';

/** A window's committed state: its counts, its cells' values per key, and its version. */
export interface WindowState {
  counts: Record<string, number>;
  /** its cells per key (in the order asked for; a set cell: its estimated size); absent for a count-only job */
  cells?: CellTable;
  /** how many checkpoints changed the window (0: none since versions exist) */
  changes: number;
  /** its set cells' fields (`<cell>|<key>`) kept as HyperLogLogs: keys of their own, expired when the window retires */
  hyperLogLogs: string[];
}

interface ScriptedRedis extends Redis {
  acquirePartition(key: string, startOffset: string): Promise<[string, string, string]>;
  checkpointBatch(numKeys: number, ...args: (string | Buffer)[]): Promise<CheckpointOutcome>;
  closeWindows(closedKey: string, openKey: string, watermark: string, limit: string, after: string): Promise<string[]>;
  clearPending(pendingKey: string, ...startAndWrittenAt: string[]): Promise<number>;
}

/** A pipeline with the scripts defined on the client (ioredis adds them to its pipelines). */
interface ScriptedPipeline {
  readWindows(numKeys: number, ...args: string[]): void;
  /** READ_WINDOWS with its reply as bytes (a job with cells: see readCells) */
  readWindowsBuffer(numKeys: number, ...args: string[]): void;
  forgetSessions(numKeys: number, ...args: string[]): void;
  retireWindows(open: string, pending: string, versions: string, ...args: string[]): void;
  exec: () => ReturnType<ReturnType<Redis['pipeline']>['exec']>;
}

/** Windows read in one script call: fewer calls, each still short enough not to hold Redis up for long. */
const WINDOWS_PER_READ = 200;
/** Windows retired in one script call (RETIRE_WINDOWS), the calls pipelined. */
const WINDOWS_PER_RETIRE = 500;

/** The aggregator's committed state in Redis: partition offsets, window counts, closed points. */
export class RedisState {
  private readonly redis: ScriptedRedis;
  readonly keys: ReturnType<typeof stateKeys>;

  constructor(
    redis: Redis,
    namespace: string,
    private readonly closedWindowTtlSeconds: number,
  ) {
    this.keys = stateKeys(namespace);
    redis.defineCommand('acquirePartition', { numberOfKeys: 1, lua: ACQUIRE_PARTITION });
    redis.defineCommand('checkpointBatch', { lua: CHECKPOINT_BATCH });
    redis.defineCommand('closeWindows', { numberOfKeys: 2, lua: CLOSE_WINDOWS });
    redis.defineCommand('clearPending', { numberOfKeys: 1, lua: CLEAR_PENDING });
    redis.defineCommand('readWindows', { lua: READ_WINDOWS });
    redis.defineCommand('forgetSessions', { lua: FORGET_SESSIONS });
    redis.defineCommand('retireWindows', { numberOfKeys: 3, lua: RETIRE_WINDOWS });
    this.redis = redis as ScriptedRedis;
  }

  async acquire(topic: string, partition: number, startOffset: string): Promise<Ownership> {
    const [epoch, offset, maxTs] = await this.redis.acquirePartition(this.keys.partition(topic, partition), startOffset);
    return { epoch, offset, maxTs: maxTs === '' ? -Infinity : Number(maxTs) };
  }

  /** Partitions' owner epoch and next offset as Redis has them now (null when unset). */
  async positions(partitions: readonly { topic: string; partition: number }[]): Promise<{ epoch: string | null; offset: string | null }[]> {
    const pipeline = this.redis.pipeline();
    for (const { topic, partition } of partitions) pipeline.hmget(this.keys.partition(topic, partition), 'epoch', 'offset');
    const rows = (await pipeline.exec()) ?? [];
    return rows.map(([err, value]) => {
      if (err) throw err;
      const [epoch, offset] = value as (string | null)[];
      return { epoch: epoch ?? null, offset: offset ?? null };
    });
  }

  /** Where each job is on one partition (by state name). */
  async jobPositions(jobs: readonly string[], topic: string, partition: number): Promise<Map<string, JobPosition>> {
    const field = positionField(topic, partition);
    const pipeline = this.redis.pipeline();
    for (const job of jobs) pipeline.hmget(this.keys.positions(job), field, `${field}:ts`);
    const rows = (await pipeline.exec()) ?? [];
    return new Map(jobs.map((job, i) => [job, positionOf(rows[i]!)]));
  }

  /** Each job's closed point as stored ('' when none): pass it back to checkpoint. */
  async readClosed(jobs: readonly string[]): Promise<Map<string, string>> {
    if (jobs.length === 0) return new Map();
    const values = await this.redis.mget(...jobs.map((job) => this.keys.closed(job)));
    return new Map(jobs.map((job, i) => [job, values[i] ?? '']));
  }

  async checkpoint(request: CheckpointRequest): Promise<CheckpointOutcome> {
    return this.checkpointAll([request]);
  }

  /** Several partitions' batches of one topic (the same jobs) in one call, all or nothing (see CHECKPOINT_BATCH). */
  async checkpointAll(requests: readonly CheckpointRequest[]): Promise<CheckpointOutcome> {
    const { keys, args } = checkpointCall(this.keys, requests);
    return this.redis.checkpointBatch(keys.length, ...keys, ...args);
  }

  /**
   * How many replicas hold every write this instance has seen so far, waiting up to
   * `timeoutMs` for `replicas` of them (Redis WAIT). WAIT covers this connection's own
   * writes only, and counts read here may come from other instances' checkpoints: one write
   * of our own first puts the mark after all of them in the replication stream.
   */
  async awaitReplicas(replicas: number, timeoutMs: number): Promise<number> {
    await this.redis.incr(this.keys.replicationMark);
    return this.redis.wait(replicas, timeoutMs);
  }

  /**
   * The replication ID of the Redis this connection reaches now (INFO replication's
   * master_replid): another once a replica is promoted or a server restarts, so two equal
   * answers mean no failover in between.
   */
  async primaryId(): Promise<string> {
    const info = await this.redis.info('replication');
    return /^master_replid:(\S+)/m.exec(info)?.[1] ?? '';
  }

  /**
   * Committed progress of partitions 0..count-1 of a topic; with a job (its state name), that
   * job's: its own position and event time where it has them (a job catching up is behind the
   * partition's), the live reader's elsewhere. `liveOffset`: the live reader's next offset.
   */
  async readProgress(topic: string, count: number, job?: string): Promise<(Omit<PartitionProgress, 'endOffset' | 'startOffset'> & { liveOffset?: number })[]> {
    const pipeline = this.redis.pipeline();
    for (let p = 0; p < count; p += 1) pipeline.hgetall(this.keys.partition(topic, p));
    if (job !== undefined) pipeline.hgetall(this.keys.positions(job));
    const rows = (await pipeline.exec()) ?? [];
    for (const [err] of rows) if (err) throw err;
    const positions = job !== undefined ? (rows[count]![1] as Record<string, string>) : {};
    return rows.slice(0, count).map(([, value], partition) => {
      const h = value as Record<string, string>;
      const own = positions[positionField(topic, partition)];
      const maxTs = own !== undefined ? positions[`${positionField(topic, partition)}:ts`] : h.maxTs;
      const liveOffset = h.offset !== undefined ? Number(h.offset) : undefined;
      const progressAt = h.progressAt ? Number(h.progressAt) : undefined;
      return { partition, maxTs: maxTs ? Number(maxTs) : undefined, committedOffset: own !== undefined ? Number(own) : liveOffset, liveOffset, progressAt };
    });
  }

  /**
   * Closes the open windows ending at or before `watermark` and after `after` (when given), the
   * oldest first and about `limit` at most, and returns them (see CLOSE_WINDOWS).
   */
  async close(job: string, watermark: number, limit = Infinity, after?: number): Promise<(WindowId & { windowEnd: number })[]> {
    const most = Number.isFinite(limit) ? String(Math.max(1, Math.floor(limit))) : '';
    const from = after === undefined ? '' : String(after);
    const flat = await this.redis.closeWindows(this.keys.closed(job), this.keys.open(job), String(Math.floor(watermark)), most, from);
    const windows: (WindowId & { windowEnd: number })[] = [];
    for (let i = 0; i < flat.length; i += 2) windows.push(windowOfMember(flat[i]!, flat[i + 1]!) as WindowId & { windowEnd: number });
    return windows;
  }

  /**
   * The newest open windows whose number of changes is not `seen(name)` (what the caller last
   * wrote of them, by windowIdOf), from their versions in one call; their state is read with
   * withState. `listed`: the names of all the newest open windows, changed or not.
   * In a catch-up the newest windows are looked at on every emit, and most have not changed since.
   */
  async changedOpen(
    job: string,
    newest: number,
    seen: (name: string) => number | undefined,
  ): Promise<{ listed: string[]; changed: (WindowId & { windowEnd: number | null })[] }> {
    const listed = await this.listOpen(job, newest);
    if (listed.length === 0) return { listed: [], changed: [] };
    const names = listed.map(windowIdOf);
    const changes = await this.redis.hmget(this.keys.versions(job), ...names);
    return { listed: names, changed: listed.filter((_, i) => seen(names[i]!) !== Number(changes[i] ?? 0)) };
  }

  private async listOpen(job: string, newest: number): Promise<(WindowId & { windowEnd: number | null })[]> {
    const flat = await this.redis.zrange(this.keys.open(job), Number.isFinite(newest) ? -newest : 0, -1, 'WITHSCORES');
    const windows: (WindowId & { windowEnd: number | null })[] = [];
    for (let i = 0; i < flat.length; i += 2) windows.push(windowOfMember(flat[i]!, flat[i + 1]!));
    return windows;
  }

  /**
   * The windows' committed state, each window read in one step (READ_WINDOWS): its version
   * and its values come from the same checkpoint, so a result never pairs a version with
   * values of another. Up to WINDOWS_PER_READ windows a call, the calls pipelined.
   */
  async withState<W extends WindowId>(job: string, windows: W[], cells: readonly CellSpec[] = []): Promise<(W & WindowState)[]> {
    if (windows.length === 0) return [];
    const pipeline = this.redis.pipeline() as unknown as ScriptedPipeline;
    const cellList = cellListArg(cells);
    for (let at = 0; at < windows.length; at += WINDOWS_PER_READ) {
      const names = windows.slice(at, at + WINDOWS_PER_READ).map(windowIdOf);
      const keys = [this.keys.versions(job), this.keys.layout(job), ...names.flatMap((name) => windowReadKeys(this.keys, job, name, cells))];
      if (cells.length > 0) pipeline.readWindowsBuffer(keys.length, ...keys, cellList, ...names);
      else pipeline.readWindows(keys.length, ...keys, cellList, ...names);
    }
    const replies = ((await pipeline.exec()) ?? []).flatMap(([err, reply]) => {
      if (err) throw err;
      return reply as [string | Buffer, string[] | Buffer[]][];
    });
    return windows.map((w, i) => {
      const [version, flat] = replies[i]!;
      const changes = version.length === 0 ? 0 : Number(version.toString());
      if (cells.length > 0) {
        const { counts, table, hyperLogLogs } = readCells(flat as Buffer[], cells);
        return { ...w, counts, cells: table, hyperLogLogs, changes };
      }
      const counts = keyedRecord<number>();
      for (let k = 0; k < flat.length; k += 2) counts[flat[k] as string] = Number(flat[k + 1]);
      return { ...w, counts, hyperLogLogs: [], changes };
    });
  }

  /** How many windows of a job are open (closing ones included until retired). */
  openCount(job: string): Promise<number> {
    return this.redis.zcard(this.keys.open(job));
  }

  /**
   * Per window named (by windowIdOf): when its oldest input not yet emitted was written to
   * Kafka (ms). A catch-up keeps thousands of windows pending: the emitter asks only for those
   * it writes.
   */
  async pending(job: string, names: readonly string[]): Promise<Map<string, number>> {
    if (names.length === 0) return new Map();
    const times = await this.redis.hmget(this.keys.pending(job), ...names);
    return new Map(names.flatMap((name, i) => (times[i] === null || times[i] === undefined ? [] : [[name, Number(times[i])] as const])));
  }

  /** Once results are out: clears the pending times read before them (see CLEAR_PENDING). */
  async clearPending(job: string, emitted: ReadonlyMap<string, number>): Promise<void> {
    if (emitted.size === 0) return;
    await this.redis.clearPending(this.keys.pending(job), ...[...emitted].flatMap(([name, at]) => [name, String(at)]));
  }

  /**
   * After their finals are out: closed windows leave the open set (a session its key's list of
   * open sessions too) and expire later, with the HyperLogLogs their final read found.
   */
  async retire(job: string, windows: readonly (WindowId & Pick<WindowState, 'hyperLogLogs'>)[], cells: readonly CellSpec[] = []): Promise<void> {
    if (windows.length === 0) return;
    const pipeline = this.redis.pipeline() as unknown as ScriptedPipeline;
    const head = [
      this.keys.open(job),
      this.keys.pending(job),
      this.keys.versions(job),
      String(this.closedWindowTtlSeconds),
      this.keys.windowPrefix(job),
    ] as const;
    for (let at = 0; at < windows.length; at += WINDOWS_PER_RETIRE) {
      const args: string[] = [...head, cells.length > 0 ? '1' : ''];
      for (const w of windows.slice(at, at + WINDOWS_PER_RETIRE)) args.push(windowIdOf(w), String(w.hyperLogLogs.length), ...w.hyperLogLogs);
      pipeline.retireWindows(...(args as [string, string, string, ...string[]]));
    }
    const sessions = windows.flatMap((w) => (w.sessionKey === undefined ? [] : [w.sessionKey, String(w.windowStart)]));
    if (sessions.length > 0) pipeline.forgetSessions(1, this.keys.sessions(job), ...sessions);
    await pipeline.exec();
  }

  /** The sessions merged into earlier ones whose results are still to be retracted. */
  async mergedSessions(job: string): Promise<MergedSession[]> {
    const raw = await this.redis.hgetall(this.keys.merged(job));
    return Object.entries(raw).map(([name, value]) => {
      const [into, changes, end] = value.split(' ').map(Number);
      const { windowStart, sessionKey } = windowOfMember(name, '0');
      return { windowStart, sessionKey: sessionKey!, into: into!, changes: changes!, windowEnd: end! };
    });
  }

  /** Once their retractions are out. */
  async forgetMerged(job: string, sessions: readonly WindowId[]): Promise<void> {
    if (sessions.length > 0) await this.redis.hdel(this.keys.merged(job), ...sessions.map(windowIdOf));
  }
}

/** A job's position as HMGET gave it (offset, event time). */
function positionOf([err, value]: [Error | null, unknown]): JobPosition {
  if (err) throw err;
  const [offset, maxTs] = value as (string | null)[];
  return { offset: offset ?? null, maxTs: maxTs ? Number(maxTs) : -Infinity };
}
