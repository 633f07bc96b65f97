import type { RedisState } from '../state/redis-state';
import { ResultsWait } from './result-emitter';

export interface ReplicaWaitSettings {
  /** REDIS_MIN_REPLICAS (or what the Redis target implies): 0 for a single Redis */
  minReplicas: number;
  /** REDIS_REPLICA_TIMEOUT_MS */
  timeoutMs: number;
}

/** What the emitter asks before it reads a step's state, and before it writes its results. */
export interface ReplicaWait {
  /** which primary the state is read from now (its replication ID) */
  readFrom(): Promise<string>;
  /** resolves once the state read from `primary` since is safe from a failover; throws ResultsWait otherwise */
  replicated(primary: string): Promise<void>;
}

/**
 * What the emitter waits for before it writes results read from Redis: that the state is on
 * at least `minReplicas` replicas, so a failover cannot take back a window already published
 * (results would then count it twice). Undefined for a single Redis: nothing to wait for.
 * `onAcknowledged` reports how many replicas had it (a gauge).
 *
 * WAIT answers for the primary it reaches: state read from a primary that failed over before
 * the WAIT (ioredis reconnects to the new one on its own) may be what the failover lost, and a
 * result of it would be taken back. Its version would come again with other counts, and the
 * emitter, which writes a window again only when its version moves, would never write the
 * window's true state (a running total stuck until its next change). So the primary must be
 * the same after the WAIT as before the read: otherwise the results wait for the next emit,
 * read from the new primary.
 */
export function replicaWait(state: RedisState, settings: ReplicaWaitSettings, onAcknowledged: (replicas: number) => void): ReplicaWait | undefined {
  const { minReplicas, timeoutMs } = settings;
  if (minReplicas <= 0) return undefined;
  return {
    readFrom: () => state.primaryId(),
    async replicated(primary) {
      const acknowledged = await state.awaitReplicas(minReplicas, timeoutMs);
      onAcknowledged(acknowledged);
      if (acknowledged < minReplicas) {
        throw new ResultsWait(`the state is on ${acknowledged} Redis replica(s) after ${timeoutMs} ms, REDIS_MIN_REPLICAS is ${minReplicas}: results wait`);
      }
      if ((await state.primaryId()) !== primary) {
        throw new ResultsWait('the Redis primary changed (a failover) after the state was read: results wait for the next emit, read from the new primary');
      }
    },
  };
}
