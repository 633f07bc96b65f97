import { replicaWait } from '../../src/emitter/replica-wait';
import { ResultsWait } from '../../src/emitter/result-emitter';
import type { RedisState } from '../../src/state/redis-state';

/** A state whose WAIT answers `acknowledged` replicas (WAIT itself is tested against real Redis in redis-failover). */
const stateWith = (acknowledged: number) => ({ awaitReplicas: async () => acknowledged }) as unknown as RedisState;

describe('replicaWait', () => {
  it('is absent for a single Redis', () => {
    expect(replicaWait(stateWith(0), { minReplicas: 0, timeoutMs: 100 }, () => {})).toBeUndefined();
  });

  it('passes once enough replicas have the state, and makes results wait (naming the setting) otherwise', async () => {
    const reported: number[] = [];
    await replicaWait(stateWith(2), { minReplicas: 1, timeoutMs: 100 }, (n) => reported.push(n))!();
    const short = replicaWait(stateWith(0), { minReplicas: 1, timeoutMs: 250 }, (n) => reported.push(n))!();
    await expect(short).rejects.toBeInstanceOf(ResultsWait);
    await expect(short).rejects.toThrow('the state is on 0 Redis replica(s) after 250 ms, REDIS_MIN_REPLICAS is 1: results wait');
    expect(reported).toEqual([2, 0]);
  });
});
