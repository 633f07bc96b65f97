import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { redactUrl } from '@streamtally/service-config';

/** Start-up could not reach or use Redis: the message names the setting and the address. */
export class RedisStartupError extends Error {}

/** Where Redis is: one server by URL, or a primary found through Sentinel by name. */
export interface RedisTarget {
  url?: string;
  sentinels?: string[];
  masterName: string;
}

const COMMON: RedisOptions = { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: (n) => Math.min(n * 200, 5000) };

function describe(target: RedisTarget): string {
  return target.sentinels ? `REDIS_SENTINELS ${target.sentinels.join(',')} (primary "${target.masterName}")` : `REDIS_URL ${redactUrl(target.url!)}`;
}

function databaseOf(url: string | undefined): string {
  return url ? new URL(url).pathname.replace(/^\//, '') : '';
}

function client(target: RedisTarget): Redis {
  if (!target.sentinels) return new Redis(target.url!, COMMON);
  const sentinels = target.sentinels.map((address) => {
    const colon = address.lastIndexOf(':');
    return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
  });
  const db = databaseOf(target.url);
  // after a failover ioredis asks the Sentinels again and follows the new primary; commands
  // meanwhile fail fast and the processor backs off and retries its batch
  return new Redis({ ...COMMON, sentinels, name: target.masterName, ...(db ? { db: Number(db) } : {}), sentinelRetryStrategy: (n) => Math.min(n * 200, 2000) });
}

/**
 * Connects to Redis and proves it usable before the aggregator starts: it answers within
 * `timeoutMs` and has the database the URL names (ioredis alone reports "ready" and quietly
 * stays on database 0 when that SELECT fails). Commands then fail fast while Redis is away;
 * the processor backs off and retries the batch.
 */
export async function connectRedis(target: RedisTarget, timeoutMs: number, logger: Logger): Promise<Redis> {
  const where = describe(target);
  const redis = client(target);
  let lastError: string | undefined;
  redis.on('error', (err: Error) => {
    lastError = err.message;
    logger.warn({ err: { message: err.message } }, 'redis connection error');
  });
  if (target.sentinels) redis.on('+switch-master', () => logger.warn({ masterName: target.masterName }, 'Redis failover: following the new primary'));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new RedisStartupError(`${where}: no answer within ${timeoutMs} ms${lastError ? ` (${lastError})` : ''}`)), timeoutMs);
      }),
    ]);
    const db = databaseOf(target.url);
    if (db !== '' && !target.sentinels) {
      await redis.select(Number(db)).catch((err: Error) => {
        throw new RedisStartupError(`${where}: database ${db} cannot be used (${err.message})`);
      });
    }
    return redis;
  } catch (err) {
    redis.disconnect();
    throw err instanceof RedisStartupError ? err : new RedisStartupError(`${where}: ${lastError ?? (err as Error).message}`);
  } finally {
    // a pending timer would keep the process alive after shutdown
    clearTimeout(timer);
  }
}
