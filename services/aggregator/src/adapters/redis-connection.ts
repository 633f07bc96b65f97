import Redis from 'ioredis';
import type { Logger } from 'pino';
import { redactUrl } from '@streamtally/service-config';

/** Start-up could not reach or use Redis: the message names REDIS_URL and the address. */
export class RedisStartupError extends Error {}

/**
 * Connects to REDIS_URL and proves it usable before the aggregator starts: it answers
 * within `timeoutMs` and has the database the URL names (ioredis alone reports "ready" and
 * quietly stays on database 0 when that SELECT fails). Commands then fail fast while Redis
 * is away; the processor backs off and retries the batch.
 */
export async function connectRedis(url: string, timeoutMs: number, logger: Logger): Promise<Redis> {
  const where = `REDIS_URL ${redactUrl(url)}`;
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: (n) => Math.min(n * 200, 5000) });
  let lastError: string | undefined;
  redis.on('error', (err: Error) => {
    lastError = err.message;
    logger.warn({ err: { message: err.message } }, 'redis connection error');
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new RedisStartupError(`${where}: no answer within ${timeoutMs} ms${lastError ? ` (${lastError})` : ''}`)), timeoutMs);
      }),
    ]);
    const db = new URL(url).pathname.replace(/^\//, '');
    if (db !== '') {
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
