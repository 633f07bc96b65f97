import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

const run = promisify(execFile);
const REDIS_LOCAL = path.resolve(__dirname, '../../../scripts/redis-local');

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  /** starts a stopped server again on its AOF */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A real redis-server of its own (AOF on), for tests that take Redis away. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamtally-redis-'));
  const env = { ...process.env, REDIS_LOCAL_PORT: String(port), REDIS_LOCAL_DIR: dir };
  const redisLocal = (command: string) => run(REDIS_LOCAL, [command], { env, timeout: 30_000 }).then(() => undefined);
  await redisLocal('start');
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => redisLocal('stop'),
    start: () => redisLocal('restart'),
    close: async () => {
      await redisLocal('stop');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
