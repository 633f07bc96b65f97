import type { Logger } from 'pino';
import type { RedisState } from '../state/redis-state';
import { type Owned, partitionOf } from './owned-partition';
import type { BusyPartitions } from './partition-tails';

/**
 * The owned partitions with records waiting that have not moved for `stallMs`, and those busy
 * that long with no checkpoint applied: waiting on a reply that does not come (their lag is
 * not known yet).
 */
export function stalledOf(owned: ReadonlyMap<string, Owned>, busy: BusyPartitions, now: number, stallMs: number): string[] {
  const behind = [...owned].filter(([, o]) => o.lag > 0 && now - o.lastProgressAt > stallMs).map(([id]) => id);
  const quietSince = (id: string, since: number) => Math.max(since, owned.get(id)?.lastProgressAt ?? -Infinity);
  const stuck = busy.entries().filter(([id, since]) => now - quietSince(id, since) > stallMs && !behind.includes(id));
  return [...behind, ...stuck.map(([id]) => id)];
}

/**
 * Compares each owned partition not being counted with Redis (PartitionProcessor.resync):
 * one at another offset in Redis is let go and read again from there (`seek`), one at another
 * epoch is another instance's and only let go. Returns the partitions read again.
 */
export async function resyncIdle(
  owned: Map<string, Owned>,
  busy: BusyPartitions,
  deps: { state: Pick<RedisState, 'positions'>; logger: Logger },
  seek: (topic: string, partition: number, offset: string) => void,
): Promise<string[]> {
  const idle = [...owned].filter(([id]) => !busy.has(id)).map(([id, own]) => ({ id, own, seen: own.offset, ...partitionOf(id) }));
  if (idle.length === 0) return [];
  const inRedis = await deps.state.positions(idle);
  const moved: string[] = [];
  idle.forEach(({ id, own, seen, topic, partition }, i) => {
    // a batch that started or ended meanwhile has moved both: judged next time
    if (busy.has(id) || owned.get(id) !== own || own.offset !== seen) return;
    const redis = inRedis[i]!;
    if (redis.epoch !== own.epoch) {
      owned.delete(id);
      return;
    }
    if (redis.offset === null || redis.offset === own.offset) return;
    const message = 'Redis has this partition at another offset than counted here (a failover took back checkpoints?): reading it again from there';
    deps.logger.warn({ topic, partition, countedUpTo: own.offset, redisOffset: redis.offset }, message);
    owned.delete(id);
    seek(topic, partition, redis.offset);
    moved.push(id);
  });
  return moved;
}
