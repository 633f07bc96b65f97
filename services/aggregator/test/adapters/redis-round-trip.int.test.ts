import Redis from 'ioredis';
import { testRedisUrl, uniqueName } from '@streamtally/test-support';

// Proves the test stack has a real Redis that runs Lua atomically.
describe('real Redis round trip', () => {
  let redis: Redis;
  const prefix = uniqueName('round-trip');
  beforeAll(() => {
    redis = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 2 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('stores and reads a hash', async () => {
    await redis.hset(`${prefix}:h`, { a: '1', b: '2' });
    expect(await redis.hgetall(`${prefix}:h`)).toEqual({ a: '1', b: '2' });
  });

  it('runs a compare-and-set Lua script atomically', async () => {
    // sets the value only when the current one is what the caller expects
    const compareAndSet = `
      local current = redis.call('GET', KEYS[1])
      if (current or '') ~= ARGV[1] then return 0 end
      redis.call('SET', KEYS[1], ARGV[2])
      return 1`;
    const key = `${prefix}:cas`;
    expect(await redis.eval(compareAndSet, 1, key, '', 'first')).toBe(1);
    expect(await redis.eval(compareAndSet, 1, key, 'wrong', 'second')).toBe(0);
    expect(await redis.eval(compareAndSet, 1, key, 'first', 'second')).toBe(1);
    expect(await redis.get(key)).toBe('second');
  });
});
