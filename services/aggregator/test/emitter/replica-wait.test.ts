import { replicaWait } from '../../src/emitter/replica-wait';
import { ResultsWait } from '../../src/emitter/result-emitter';
import type { RedisState } from '../../src/state/redis-state';

/**
 * A state whose WAIT answers `acknowledged` replicas, reaching the primaries `primaries` names
 * one answer after the other (the last one from then on); WAIT and INFO themselves are tested
 * against real Redis in redis-failover and redis-state.
 */
const stateWith = (acknowledged: number, primaries: string[] = ['p1']) =>
  ({ awaitReplicas: async () => acknowledged, primaryId: async () => (primaries.length > 1 ? primaries.shift()! : primaries[0]!) }) as unknown as RedisState;

describe('replicaWait', () => {
  it('is absent for a single Redis', () => {
    expect(replicaWait(stateWith(0), { minReplicas: 0, timeoutMs: 100 }, () => {})).toBeUndefined();
  });

  it('passes once enough replicas have the state, and makes results wait (naming the setting) otherwise', async () => {
    const reported: number[] = [];
    const enough = replicaWait(stateWith(2), { minReplicas: 1, timeoutMs: 100 }, (n) => reported.push(n))!;
    await enough.replicated(await enough.readFrom());
    const short = replicaWait(stateWith(0), { minReplicas: 1, timeoutMs: 250 }, (n) => reported.push(n))!.replicated('p1');
    await expect(short).rejects.toBeInstanceOf(ResultsWait);
    await expect(short).rejects.toThrow('the state is on 0 Redis replica(s) after 250 ms, REDIS_MIN_REPLICAS is 1: results wait');
    expect(reported).toEqual([2, 0]);
  });

  it('makes results wait when the primary the state was read from is no longer the one reached (a failover in between), however many replicas answer', async () => {
    const wait = replicaWait(stateWith(1, ['p1', 'p2']), { minReplicas: 1, timeoutMs: 100 }, () => {})!;
    const readFrom = await wait.readFrom();
    const failedOver = wait.replicated(readFrom);
    await expect(failedOver).rejects.toBeInstanceOf(ResultsWait);
    await expect(failedOver).rejects.toThrow(
      'the Redis primary changed (a failover) after the state was read: results wait for the next emit, read from the new primary',
    );
    // the next emit reads from the new primary: its results go
    await expect(wait.replicated(await wait.readFrom())).resolves.toBeUndefined();
  });
});
