import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestPki } from './pki';
import { freePort, freePortRange } from './ports';

const run = promisify(execFile);
const REDIS_LOCAL = path.resolve(__dirname, '../../../scripts/redis-local');

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  /** starts a stopped server again on its AOF */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The least a Redis ACL user of the aggregator needs (the README gives it): its keys only
 * (`st:*`), reading, writing and its Lua scripts, connection commands (SELECT, WAIT for
 * replicas, PING) and INFO (ioredis's ready check); nothing administrative or dangerous.
 */
export const AGGREGATOR_REDIS_ACL = '~st:* resetchannels -@all +@read +@write +@scripting +@connection -@admin -@dangerous +info';

/** How a private Redis is secured: TLS only (client certificates required), ACL users (the default user off). */
export interface RedisSecurity {
  tls?: TestPki;
  /** name → password */
  users?: Record<string, string>;
  /** ACL rules of every user but the first (which may do anything): e.g. the README's for the aggregator */
  userRule?: string;
  /** where it listens (default 127.0.0.1): containers reaching the host need 0.0.0.0 */
  bind?: string;
}

function securityEnv({ tls, users, userRule, bind }: RedisSecurity = {}): Record<string, string> {
  return {
    ...(bind ? { REDIS_LOCAL_BIND: bind } : {}),
    ...(userRule ? { REDIS_LOCAL_USER_RULE: userRule } : {}),
    ...(tls ? { REDIS_LOCAL_TLS_DIR: tls.dir } : {}),
    ...(users
      ? {
          REDIS_LOCAL_USERS: Object.entries(users)
            .map(([name, password]) => `${name}:${password}`)
            .join(' '),
        }
      : {}),
  };
}

/** A real redis-server of its own (AOF on), for tests that take Redis away or secure it. */
export async function startPrivateRedis(security: RedisSecurity = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamtally-redis-'));
  const env = { ...process.env, REDIS_LOCAL_PORT: String(port), REDIS_LOCAL_DIR: dir, ...securityEnv(security) };
  const redisLocal = (command: string) => run(REDIS_LOCAL, [command], { env, timeout: 30_000 }).then(() => undefined);
  await redisLocal('start');
  return {
    url: `${security.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    stop: () => redisLocal('stop'),
    start: () => redisLocal('restart'),
    close: async () => {
      await redisLocal('stop');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateSentinelRedis {
  /** the three Sentinels, host:port */
  sentinels: string[];
  masterName: string;
  /** the port of the primary now, as the Sentinels see it */
  primaryPort(): Promise<number>;
  /** SIGKILLs the primary; the Sentinels promote the replica */
  killPrimary(): Promise<void>;
  /** starts server 1 or 2 again on its data, as a replica of the primary of the moment */
  startServer(server: 1 | 2): Promise<void>;
  /** SIGSTOPs the primary: its connections stay open and silent; the Sentinels promote the replica */
  freezePrimary(): Promise<void>;
  /** SIGCONTs server 1 or 2: the Sentinels turn a frozen old primary into a replica */
  thawServer(server: 1 | 2): Promise<void>;
  /** the servers' ports: server 1, server 2 */
  serverPorts: [number, number];
  close(): Promise<void>;
}

/**
 * A primary, a replica and three Sentinels of its own (scripts/redis-local, Sentinel mode);
 * secured, the first user replicates and the Sentinels use it, and want it from clients.
 */
export async function startPrivateSentinelRedis(security: RedisSecurity = {}): Promise<PrivateSentinelRedis> {
  const port = await freePortRange(5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamtally-sentinel-'));
  const env = { ...process.env, REDIS_LOCAL_SENTINEL: '1', REDIS_LOCAL_PORT: String(port), REDIS_LOCAL_DIR: dir, ...securityEnv(security) };
  const redisLocal = async (...args: string[]) => (await run(REDIS_LOCAL, args, { env, timeout: 30_000 })).stdout;
  await redisLocal('start');
  return {
    sentinels: [2, 3, 4].map((offset) => `127.0.0.1:${port + offset}`),
    masterName: 'streamtally',
    serverPorts: [port, port + 1],
    primaryPort: async () => Number((await redisLocal('primary')).trim()),
    killPrimary: () => redisLocal('kill-primary').then(() => undefined),
    startServer: (server) => redisLocal('start-server', String(server)).then(() => undefined),
    freezePrimary: () => redisLocal('freeze-primary').then(() => undefined),
    thawServer: (server) => redisLocal('thaw-server', String(server)).then(() => undefined),
    close: async () => {
      await redisLocal('stop');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
