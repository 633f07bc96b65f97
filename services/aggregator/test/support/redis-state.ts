import Redis from 'ioredis';
import { testRedisUrl, uniqueName } from '@streamtally/test-support';
import { RedisState } from '../../src/state/redis-state';
import { WindowDelta } from '../../src/windowing/batch-aggregator';

/**
 * Each test of the describe block gets a client of the test Redis and a RedisState in a
 * namespace of its own (`assign` hands them over); its keys are deleted after the test.
 */
export function eachWithRedisState(prefix: string, assign: (redis: Redis, state: RedisState) => void): void {
  let redis: Redis;
  let state: RedisState;
  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    state = new RedisState(redis, uniqueName(prefix), 60);
    assign(redis, state);
  });
  afterEach(async () => {
    const keys = await redis.keys(state.keys.pattern);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
}

/** One window's counts for a job, as a batch would deliver them (a 1 s window by default). */
export const delta = (job: string, windowStart: number, counts: Record<string, number>, windowEnd: number | null = windowStart + 1000): WindowDelta => ({
  job,
  windowStart,
  windowEnd,
  counts: new Map(Object.entries(counts)),
});
