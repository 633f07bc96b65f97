import type { RedisState } from '../state/redis-state';
import { ResultsWait } from './result-emitter';

export interface ReplicaWaitSettings {
  /** REDIS_MIN_REPLICAS (or what the Redis target implies): 0 for a single Redis */
  minReplicas: number;
  /** REDIS_REPLICA_TIMEOUT_MS */
  timeoutMs: number;
}

/**
 * What the emitter waits for before it writes results read from Redis: that the state is on
 * at least `minReplicas` replicas, so a failover cannot take back a window already published
 * (results would then count it twice). Undefined for a single Redis: nothing to wait for.
 * `onAcknowledged` reports how many replicas had it (a gauge).
 */
export function replicaWait(state: RedisState, settings: ReplicaWaitSettings, onAcknowledged: (replicas: number) => void): (() => Promise<void>) | undefined {
  const { minReplicas, timeoutMs } = settings;
  if (minReplicas <= 0) return undefined;
  return async () => {
    const acknowledged = await state.awaitReplicas(minReplicas, timeoutMs);
    onAcknowledged(acknowledged);
    if (acknowledged < minReplicas) {
      throw new ResultsWait(`the state is on ${acknowledged} Redis replica(s) after ${timeoutMs} ms, REDIS_MIN_REPLICAS is ${minReplicas}: results wait`);
    }
  };
}
