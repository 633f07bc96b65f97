import net from 'node:net';
import tls from 'node:tls';
import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { describeTlsFailure } from '@streamtally/kafka-client';
import type { RedisTarget } from './redis-target';

/** Start-up could not reach or use Redis: one line naming the setting and the address. */
export class RedisStartupError extends Error {}

const COMMON: RedisOptions = { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: (n) => Math.min(n * 200, 5000) };

function client(target: RedisTarget): Redis {
  const credentials = { ...(target.username ? { username: target.username } : {}), ...(target.password ? { password: target.password } : {}) };
  // a server that hangs (SIGSTOP, a paused VM, a stalled disk) keeps its connections open:
  // without a timeout every command on them waits forever, and so does the aggregator, even
  // once the Sentinels have promoted a replica; dropped, ioredis asks them again (ioredis#1314)
  const common = { ...COMMON, ...(target.socketTimeoutMs !== undefined ? { socketTimeout: target.socketTimeoutMs } : {}) };
  if (target.server) {
    return new Redis({ ...common, ...target.server, ...credentials, ...(target.tls ? { tls: target.tls } : {}) });
  }
  const sentinel = target.sentinel ?? {};
  // after a failover ioredis asks the Sentinels again and follows the new primary; commands
  // meanwhile fail fast and the processor backs off and retries its batch
  return new Redis({
    ...common,
    ...credentials,
    sentinels: target.sentinels,
    name: target.masterName,
    ...(target.db ? { db: Number(target.db) } : {}),
    ...(sentinel.username ? { sentinelUsername: sentinel.username } : {}),
    ...(sentinel.password ? { sentinelPassword: sentinel.password } : {}),
    ...(sentinel.tls ? { sentinelTLS: sentinel.tls } : {}),
    ...(target.tls ? { tls: target.tls, enableTLSForSentinelMode: true } : {}),
    sentinelRetryStrategy: (n) => Math.min(n * 200, 2000),
  });
}

/**
 * Connects to Redis and proves it usable before the aggregator starts: it answers within
 * `timeoutMs`, takes the credentials, and has the database the URL names (ioredis alone
 * reports "ready" and quietly stays on database 0 when that SELECT fails). Commands then fail
 * fast while Redis is away; the processor backs off and retries the batch.
 */
export async function connectRedis(target: RedisTarget, timeoutMs: number, logger: Logger): Promise<Redis> {
  const redis = client(target);
  let lastError: Error | undefined;
  // refused credentials or certificates will not change by retrying: stop at once
  let refused: (err: Error) => void = () => undefined;
  const definitive = new Promise<never>((_, reject) => (refused = reject));
  redis.on('error', (err: Error) => {
    lastError = err;
    logger.warn({ err: { message: err.message } }, 'redis connection error');
    if (/WRONGPASS|NOAUTH|NOPERM|certificate|alert/i.test(err.message) || /CERT/.test((err as NodeJS.ErrnoException).code ?? '')) refused(err);
  });
  if (target.sentinels) redis.on('+switch-master', () => logger.warn({ masterName: target.masterName }, 'Redis failover: following the new primary'));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      definitive,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new RedisStartupError(`no answer within ${timeoutMs} ms${lastError ? ` (${lastError.message})` : ''}`)), timeoutMs);
      }),
    ]);
    if (target.db !== '' && !target.sentinels) {
      await redis.select(Number(target.db)).catch((err: Error) => {
        throw new RedisStartupError(`database ${target.db} cannot be used (${err.message})`);
      });
    }
    return redis;
  } catch (err) {
    redis.disconnect();
    const cause = err instanceof RedisStartupError && !lastError ? err : (lastError ?? (err as Error));
    throw new RedisStartupError(`${target.where}: ${await explainRedisFailure(cause, target)}`);
  } finally {
    // a pending timer would keep the process alive after shutdown
    clearTimeout(timer);
  }
}

/**
 * A Redis start-up failure in words, naming the setting to fix: refused credentials (of the
 * data nodes or of the Sentinels), a server that wants a password, TLS on one side only, an
 * untrusted or expired certificate, a client certificate the server wants.
 */
export async function explainRedisFailure(err: Error, target: RedisTarget): Promise<string> {
  const message = err.message.replace(/^All sentinels are unreachable\. Retrying from scratch after \d+ms\. Last error: /, '').split('\n')[0]!;
  const fromSentinel = target.sentinels !== undefined && /sentinel/i.test(err.message);
  const credentials = fromSentinel
    ? 'REDIS_SENTINEL_USERNAME, REDIS_SENTINEL_PASSWORD'
    : target.passwordFrom === 'REDIS_URL'
      ? 'the user and password in REDIS_URL'
      : 'REDIS_USERNAME, REDIS_PASSWORD';
  if (/WRONGPASS/.test(message)) return `authentication refused (${credentials}): ${message}`;
  if (/NOAUTH|NOPERM/.test(message)) return `the server wants a user and password it accepts (${credentials}): ${message}`;
  // what the first address (the server, or a Sentinel) says to a probe of its own
  const address = target.server ?? target.sentinels?.[0];
  const tlsOptions = target.server ? target.tls : target.sentinel?.tls;
  const tlsSetting = target.server ? 'REDIS_URL rediss:// (or REDIS_TLS=true)' : 'REDIS_SENTINEL_TLS=true';
  const finding = address ? await probeRedis(address.host, address.port, tlsOptions) : { kind: 'answers' as const };
  const tlsNames = {
    caVariable: 'REDIS_TLS_CA_FILE',
    caFile: target.caFile,
    certVariables: 'REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE',
    certFile: target.certFile,
  };
  if (finding.kind === 'tls-failed') return `TLS failed: ${describeTlsFailure(finding.error, tlsNames)}`;
  if (finding.kind === 'plaintext-only') return `the server does not speak TLS, but ${tlsSetting} asks for it`;
  if (finding.kind === 'tls-only') return `the server speaks TLS only: use ${tlsSetting}, with REDIS_TLS_CA_FILE when its CA is not a public one`;
  // the Sentinels answer: the primary they name may be the one that does not
  const primary = target.sentinels && finding.kind === 'answers' ? await primaryOf(target) : undefined;
  if (primary) {
    const data = await probeRedis(primary.host, primary.port, target.tls);
    const where = `the primary at ${primary.host}:${primary.port}`;
    if (data.kind === 'tls-failed') return `TLS to ${where} failed: ${describeTlsFailure(data.error, tlsNames)}`;
    if (data.kind === 'plaintext-only') return `${where} does not speak TLS, but REDIS_TLS asks for it`;
    if (data.kind === 'tls-only') return `${where} speaks TLS only: set REDIS_TLS=true (the Sentinels' REDIS_SENTINEL_TLS says nothing of the servers)`;
  }
  return message;
}

/** The primary's address as the first Sentinel names it, or undefined. */
async function primaryOf(target: RedisTarget): Promise<{ host: string; port: number } | undefined> {
  const sentinel = new Redis({
    ...target.sentinels![0]!,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...(target.sentinel?.username ? { username: target.sentinel.username } : {}),
    ...(target.sentinel?.password ? { password: target.sentinel.password } : {}),
    ...(target.sentinel?.tls ? { tls: target.sentinel.tls } : {}),
  });
  sentinel.on('error', () => undefined);
  try {
    await sentinel.connect();
    const [host, port] = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', target.masterName)) as [string, string];
    return { host, port: Number(port) };
  } catch {
    return undefined;
  } finally {
    sentinel.disconnect();
  }
}

type Finding = { kind: 'answers' } | { kind: 'tls-failed'; error: Error } | { kind: 'plaintext-only' } | { kind: 'tls-only' } | { kind: 'silent' };

/**
 * One PING, over TLS with the service's own options when it uses TLS: does the server answer,
 * fail the TLS handshake (and why), or speak only the other way? TLS 1.3 servers refuse a
 * missing client certificate after the handshake, at the first read: hence the PING.
 */
async function probeRedis(host: string, port: number, tlsOptions: tls.ConnectionOptions | undefined): Promise<Finding> {
  const first = await ping(host, port, tlsOptions);
  if (first.kind !== 'silent' && first.kind !== 'reset') return first;
  if (tlsOptions) return (await ping(host, port, undefined)).kind === 'answers' ? { kind: 'plaintext-only' } : { kind: 'silent' };
  return (await ping(host, port, { rejectUnauthorized: false })).kind === 'answers' || (await handshakes(host, port))
    ? { kind: 'tls-only' }
    : { kind: 'silent' };
}

function ping(host: string, port: number, tlsOptions: tls.ConnectionOptions | undefined): Promise<Finding | { kind: 'reset' }> {
  return new Promise((resolve) => {
    const socket = tlsOptions ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...tlsOptions }) : net.connect({ host, port });
    const done = (finding: Finding | { kind: 'reset' }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(finding);
    };
    const timer = setTimeout(() => done({ kind: 'silent' }), 2000);
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    // any Redis reply (+PONG, -NOAUTH, -ERR) starts with one of these
    socket.once('data', (data: Buffer) => done(/^[+\-:$*]/.test(data.toString('latin1')) ? { kind: 'answers' } : { kind: 'silent' }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const notTls = error.code === 'ECONNRESET' || /wrong version number|packet length too long|disconnected before secure TLS/i.test(error.message);
      done(tlsOptions && !notTls ? { kind: 'tls-failed', error } : { kind: 'reset' });
    });
    socket.once('close', () => done({ kind: 'reset' }));
  });
}

/** Whether a TLS handshake completes, trusting any certificate: only to tell what a server speaks. */
function handshakes(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, ...(net.isIP(host) ? {} : { servername: host }) });
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), 2000);
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
  });
}
