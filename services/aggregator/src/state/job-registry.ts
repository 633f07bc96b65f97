import type Redis from 'ioredis';
import { REGISTER_JOB, RETIRED } from './registry-scripts';
import { stateKeys } from './keys';

/** How a job of the jobs file stands against what Redis knew of it (see REGISTER_JOB). */
export type RegistrationStatus = 'same' | 'new' | 'changed' | 'adopted' | 'stale';

export interface Registration {
  generation: number;
  status: RegistrationStatus;
  /** the state of the generation it replaces (removed once the new one has caught up), or undefined */
  previous?: string;
  /** an earlier replaced generation not removed yet (changed twice before catching up): remove it now */
  older?: string;
}

export interface RegisteredJob {
  fingerprint: string;
  generation: number;
  /** wall-clock ms of the registration */
  since: number;
  /** a replaced generation's state, still to be removed */
  retiring?: string;
  /** the fingerprint of the definition it replaced, while `retiring` is kept */
  replaced?: string;
  /** its start missed records Kafka's retention had already dropped: its results are partial */
  partial?: true;
}

/** The name a generation's state is kept under: the job's name for its first, `name~gN` after. */
export function stateIdOf(name: string, generation: number): string {
  return generation === 1 ? name : `${name}~g${generation}`;
}

interface ScriptedRedis extends Redis {
  registerJob(registry: string, ...args: string[]): Promise<[string, RegistrationStatus, string, string]>;
  retired(registry: string, name: string, stateId: string): Promise<number>;
}

/**
 * Which definition of each job runs, in Redis beside its state: its fingerprint and
 * generation, the replaced generation still to be removed, and the removal of a job's state.
 */
export class JobRegistry {
  private readonly redis: ScriptedRedis;
  private readonly keys: ReturnType<typeof stateKeys>;
  private readonly prefix: string;

  constructor(redis: Redis, namespace: string) {
    redis.defineCommand('registerJob', { numberOfKeys: 1, lua: REGISTER_JOB });
    redis.defineCommand('retired', { numberOfKeys: 1, lua: RETIRED });
    this.redis = redis as ScriptedRedis;
    this.keys = stateKeys(namespace);
    this.prefix = `st:{${namespace}}:`;
  }

  /**
   * Registers a job's definition; `start` is where a new generation begins (per partition),
   * and whether records before it were dropped by retention.
   */
  async register(
    job: { name: string; fingerprint: string; source: string },
    start: { offsets: readonly string[]; partial: boolean },
    now: number,
    { recompute = false } = {},
  ): Promise<Registration> {
    const [generation, status, previous, older] = await this.redis.registerJob(
      this.keys.registry,
      job.name,
      job.fingerprint,
      String(now),
      this.prefix,
      job.source,
      start.partial ? '1' : '0',
      recompute ? 'recompute' : '',
      ...start.offsets,
    );
    return { generation: Number(generation), status, ...(previous !== '' ? { previous } : {}), ...(older !== '' ? { older } : {}) };
  }

  /** Every job registered, by name. */
  async registered(): Promise<Map<string, RegisteredJob>> {
    const raw = await this.redis.hgetall(this.keys.registry);
    return new Map(Object.entries(raw).map(([name, entry]) => [name, JSON.parse(entry) as RegisteredJob]));
  }

  /** A job no longer in the jobs file: its registration goes (its state with `removeState`). */
  async forget(name: string): Promise<void> {
    await this.redis.hdel(this.keys.registry, name);
  }

  /** Once a replaced generation's state is removed: the registration no longer names it. */
  async retired(name: string, stateId: string): Promise<void> {
    await this.redis.retired(this.keys.registry, name, stateId);
  }

  /**
   * Removes every key of one generation's state: its windows and cells (found with SCAN, a
   * batch at a time, so Redis never blocks on a large keyspace) and its named keys. Returns
   * how many keys went.
   */
  async removeState(stateId: string): Promise<number> {
    const { windows, named } = this.keys.ofJob(stateId);
    let removed = await this.redis.unlink(...named);
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', windows, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) removed += await this.redis.unlink(...found);
    } while (cursor !== '0');
    return removed;
  }
}
