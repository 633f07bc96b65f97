import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { certificatesIn, clientCertificateProblem } from '@streamtally/kafka-client';
import { describeFileError, redactUrl } from '@streamtally/service-config';

/** The aggregator's Redis settings, as its config schema gives them. */
export interface RedisSettings {
  REDIS_URL?: string;
  REDIS_USERNAME?: string;
  REDIS_PASSWORD?: string;
  REDIS_TLS?: boolean;
  REDIS_TLS_CA_FILE?: string;
  REDIS_TLS_CERT_FILE?: string;
  REDIS_TLS_KEY_FILE?: string;
  REDIS_TLS_KEY_PASSWORD?: string;
  REDIS_SENTINELS?: string[];
  REDIS_MASTER_NAME: string;
  REDIS_SENTINEL_USERNAME?: string;
  REDIS_SENTINEL_PASSWORD?: string;
  REDIS_SENTINEL_TLS?: boolean;
  REDIS_SOCKET_TIMEOUT_MS?: number;
  REDIS_REPLICA_TIMEOUT_MS?: number;
}

/** Where Redis is and how to reach it, files read: one server, or a primary found through Sentinel. */
export interface RedisTarget {
  server?: { host: string; port: number };
  /** the database number from REDIS_URL's path ('' for none) */
  db: string;
  sentinels?: { host: string; port: number }[];
  masterName: string;
  /** credentials and TLS of the data nodes (the server, or the primary and replicas) */
  username?: string;
  password?: string;
  /** which setting holds the password, for messages: REDIS_PASSWORD, or REDIS_URL */
  passwordFrom?: 'REDIS_PASSWORD' | 'REDIS_URL';
  tls?: ConnectionOptions;
  sentinel?: { username?: string; password?: string; tls?: ConnectionOptions };
  /** a connection with a reply due and nothing heard for this long is dropped (REDIS_SOCKET_TIMEOUT_MS) */
  socketTimeoutMs?: number;
  /** for messages and logs: where, never a password */
  where: string;
  caFile?: string;
  certFile?: string;
}

/** Whether the data nodes are reached over TLS: rediss://, or REDIS_TLS. */
export function usesTls(settings: Pick<RedisSettings, 'REDIS_URL' | 'REDIS_TLS'>): boolean {
  return settings.REDIS_TLS ?? settings.REDIS_URL?.startsWith('rediss://') ?? false;
}

/** The rules between the Redis settings, each broken one named. Pure. */
export function redisSettingsProblems(s: RedisSettings): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  const add = (variable: string, message: string) => problems.push({ variable, message });
  const url = s.REDIS_URL ? new URL(s.REDIS_URL) : undefined;
  if (s.REDIS_TLS === false && url?.protocol === 'rediss:') add('REDIS_TLS', 'is false, but REDIS_URL is rediss:// (TLS)');
  if (s.REDIS_PASSWORD && url?.password) add('REDIS_PASSWORD', 'is set, and REDIS_URL holds a password too: set one of them');
  if (s.REDIS_USERNAME && url?.username) add('REDIS_USERNAME', 'is set, and REDIS_URL holds a user too: set one of them');
  const socket = s.REDIS_SOCKET_TIMEOUT_MS;
  const replicaWait = s.REDIS_REPLICA_TIMEOUT_MS ?? 0;
  // WAIT (REDIS_REPLICA_TIMEOUT_MS) is silent that long by design: a timeout within it would drop a healthy connection
  if (socket !== undefined && socket < replicaWait + 1000) {
    add('REDIS_SOCKET_TIMEOUT_MS', `is ${socket} ms: it must exceed REDIS_REPLICA_TIMEOUT_MS (${replicaWait} ms) by 1000 ms at least`);
  }
  const tls = usesTls(s) || (s.REDIS_SENTINEL_TLS ?? false);
  if (!tls) {
    for (const file of ['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE', 'REDIS_TLS_KEY_PASSWORD'] as const) {
      if (s[file]) add(file, 'is set, but nothing uses TLS (REDIS_URL is redis://, and neither REDIS_TLS nor REDIS_SENTINEL_TLS is true)');
    }
  }
  if (s.REDIS_TLS_CERT_FILE && !s.REDIS_TLS_KEY_FILE) add('REDIS_TLS_KEY_FILE', 'is required with REDIS_TLS_CERT_FILE (the certificate’s private key)');
  if (s.REDIS_TLS_KEY_FILE && !s.REDIS_TLS_CERT_FILE) add('REDIS_TLS_CERT_FILE', 'is required with REDIS_TLS_KEY_FILE (the key’s certificate)');
  if (!s.REDIS_SENTINELS) {
    for (const only of ['REDIS_SENTINEL_USERNAME', 'REDIS_SENTINEL_PASSWORD', 'REDIS_SENTINEL_TLS'] as const) {
      if (s[only] !== undefined) add(only, 'is set, but REDIS_SENTINELS is not');
    }
  }
  return problems;
}

export type ReadFile = (file: string) => Buffer;

const TLS_NAMES = { cert: 'REDIS_TLS_CERT_FILE', key: 'REDIS_TLS_KEY_FILE', passphrase: 'REDIS_TLS_KEY_PASSWORD' };

/**
 * The target the settings describe, with the CA, certificate and key read and checked now
 * (a wrong path, not PEM, a key that does not fit: named before Redis is asked).
 */
export function redisTargetOf(
  s: RedisSettings,
  read: ReadFile = (f) => fs.readFileSync(f),
): { ok: true; target: RedisTarget } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const url = s.REDIS_URL ? new URL(s.REDIS_URL) : undefined;
  const tlsOptions = usesTls(s) || s.REDIS_SENTINEL_TLS ? loadTls(s, read, errors) : undefined;
  const sentinels = s.REDIS_SENTINELS?.map(hostPort);
  const urlUser = url?.username ? decodeURIComponent(url.username) : undefined;
  const urlPassword = url?.password ? decodeURIComponent(url.password) : undefined;
  const target: RedisTarget = {
    db: url ? url.pathname.replace(/^\//, '') : '',
    masterName: s.REDIS_MASTER_NAME,
    username: s.REDIS_USERNAME ?? urlUser,
    password: s.REDIS_PASSWORD ?? urlPassword,
    passwordFrom: s.REDIS_PASSWORD ? 'REDIS_PASSWORD' : urlPassword ? 'REDIS_URL' : undefined,
    ...(usesTls(s) ? { tls: tlsOptions } : {}),
    where: sentinels ? `REDIS_SENTINELS ${s.REDIS_SENTINELS!.join(',')} (primary "${s.REDIS_MASTER_NAME}")` : `REDIS_URL ${redactUrl(s.REDIS_URL!)}`,
    caFile: s.REDIS_TLS_CA_FILE,
    certFile: s.REDIS_TLS_CERT_FILE,
    ...(s.REDIS_SOCKET_TIMEOUT_MS !== undefined ? { socketTimeoutMs: s.REDIS_SOCKET_TIMEOUT_MS } : {}),
  };
  if (sentinels) {
    target.sentinels = sentinels;
    target.sentinel = {
      username: s.REDIS_SENTINEL_USERNAME,
      password: s.REDIS_SENTINEL_PASSWORD,
      ...((s.REDIS_SENTINEL_TLS ?? usesTls(s)) ? { tls: tlsOptions } : {}),
    };
  } else {
    target.server = { host: url!.hostname.replace(/^\[|\]$/g, ''), port: url!.port ? Number(url!.port) : 6379 };
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, target };
}

function hostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

function loadTls(s: RedisSettings, read: ReadFile, errors: string[]): ConnectionOptions {
  const options: ConnectionOptions = {};
  const pem = (variable: string, file: string) => {
    try {
      return read(file).toString('utf8');
    } catch (err) {
      errors.push(`${variable}: ${describeFileError(file, err)}`);
      return undefined;
    }
  };
  if (s.REDIS_TLS_CA_FILE) {
    const ca = pem('REDIS_TLS_CA_FILE', s.REDIS_TLS_CA_FILE);
    if (ca !== undefined && certificatesIn(ca).length === 0)
      errors.push(`REDIS_TLS_CA_FILE: ${s.REDIS_TLS_CA_FILE} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    else if (ca !== undefined) options.ca = [ca];
  }
  if (s.REDIS_TLS_CERT_FILE && s.REDIS_TLS_KEY_FILE) {
    const cert = pem('REDIS_TLS_CERT_FILE', s.REDIS_TLS_CERT_FILE);
    const key = pem('REDIS_TLS_KEY_FILE', s.REDIS_TLS_KEY_FILE);
    if (cert !== undefined && key !== undefined) {
      const problem = clientCertificateProblem(cert, s.REDIS_TLS_CERT_FILE, key, s.REDIS_TLS_KEY_FILE, s.REDIS_TLS_KEY_PASSWORD, TLS_NAMES);
      if (problem) errors.push(problem);
      else Object.assign(options, { cert, key, ...(s.REDIS_TLS_KEY_PASSWORD ? { passphrase: s.REDIS_TLS_KEY_PASSWORD } : {}) });
    }
  }
  return options;
}
