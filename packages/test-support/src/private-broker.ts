import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeTestPki, type TestPki } from './pki';
import { freePort, freePortRange } from './ports';

const run = promisify(execFile);
const KAFKA_LOCAL = path.resolve(__dirname, '../../../scripts/kafka-local');

export interface PrivateBroker {
  brokers: string[];
  /** stops the broker and starts it again on its data (an outage) */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** starts a stopped broker again on the data it has */
  start(): Promise<void>;
  /** stops it for good and removes its data */
  close(): Promise<void>;
}

/**
 * A real single-node broker of its own (scripts/kafka-local on free ports), for tests that
 * take the broker away; the shared test broker stays untouched for the other suites.
 */
export async function startPrivateBroker(): Promise<PrivateBroker> {
  const port = await freePort();
  const controllerPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamtally-broker-'));
  const env = {
    ...process.env,
    KAFKA_LOCAL_PORT: String(port),
    KAFKA_LOCAL_CONTROLLER_PORT: String(controllerPort),
    KAFKA_LOCAL_DIR: dir,
    KAFKA_LOCAL_HEAP: '-Xms256m -Xmx512m',
  };
  const kafkaLocal = (command: string) => run(KAFKA_LOCAL, [command], { env, timeout: 180_000 }).then(() => undefined);
  await kafkaLocal('start');
  return {
    brokers: [`127.0.0.1:${port}`],
    restart: () => kafkaLocal('restart'),
    stop: () => kafkaLocal('stop'),
    // `restart` on a stopped broker starts it on the data it has
    start: () => kafkaLocal('restart'),
    close: async () => {
      await kafkaLocal('stop');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SecuredBroker {
  /** the SASL_SSL listener (SCRAM-SHA-512 and OAUTHBEARER): the broker's only client listener for the services */
  saslSsl: string;
  /** SSL with client certificates required */
  mutualTls: string;
  /** SASL_PLAINTEXT with PLAIN */
  saslPlaintext: string;
  /** SSL with an expired certificate, and with a certificate for another name */
  expiredTls: string;
  wrongNameTls: string;
  /** the users and their passwords (admin is a super user) */
  users: Record<string, string>;
  /** the CA, server and client certificates (a client certificate per user) */
  pki: TestPki;
  close(): Promise<void>;
}

/**
 * A real single-node broker secured as production ones are (scripts/kafka-local with
 * KAFKA_LOCAL_SECURITY=secured): TLS from a CA made for the test, SCRAM users created at
 * format time, Kafka's StandardAuthorizer on (no ACL, no access; admin is a super user).
 */
export async function startSecuredBroker(options: {
  users: string[];
  reauthMs?: number;
  /** where the listeners bind (default 127.0.0.1) and the address clients are sent to (default 127.0.0.1): containers need another */
  bind?: string;
  advertisedHost?: string;
}): Promise<SecuredBroker> {
  const port = await freePortRange(7);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamtally-secured-'));
  const users = Object.fromEntries(['admin', ...options.users].map((name) => [name, `${name}-${randomBytes(9).toString('base64url')}`]));
  const host = options.advertisedHost ?? '127.0.0.1';
  const pki = makeTestPki(options.users, host === '127.0.0.1' ? [] : [`${/^[\d.]+$/.test(host) ? 'IP' : 'DNS'}:${host}`]);
  const env = {
    ...process.env,
    KAFKA_LOCAL_SECURITY: 'secured',
    KAFKA_LOCAL_PORT: String(port),
    KAFKA_LOCAL_DIR: path.join(dir, 'run'),
    KAFKA_LOCAL_TLS_DIR: pki.dir,
    KAFKA_LOCAL_USERS: Object.entries(users)
      .map(([name, password]) => `${name}:${password}`)
      .join(' '),
    KAFKA_LOCAL_HEAP: '-Xms256m -Xmx512m',
    KAFKA_LOCAL_BIND: options.bind ?? '127.0.0.1',
    KAFKA_LOCAL_ADVERTISED_HOST: host,
    ...(options.reauthMs ? { KAFKA_LOCAL_REAUTH_MS: String(options.reauthMs) } : {}),
  };
  const kafkaLocal = (command: string) => run(KAFKA_LOCAL, [command], { env, timeout: 180_000 }).then(() => undefined);
  await kafkaLocal('start');
  const at = (offset: number) => `${host}:${port + offset}`;
  return {
    saslSsl: at(0),
    mutualTls: at(2),
    saslPlaintext: at(3),
    expiredTls: at(5),
    wrongNameTls: at(6),
    users,
    pki,
    close: async () => {
      await kafkaLocal('stop');
      pki.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateCluster {
  brokers: string[];
  /** node ids, 1-based, in the order of `brokers` */
  nodeIds: number[];
  /** SIGKILLs one node: a broker crash */
  kill(nodeId: number): Promise<void>;
  /** starts a killed node again on the data it has, and waits until it answers */
  startNode(nodeId: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real KRaft cluster of its own (scripts/kafka-local with KAFKA_LOCAL_BROKERS), each node a
 * broker and a controller voter, for tests that kill brokers.
 */
export async function startPrivateCluster(nodes = 3, attempts = 3): Promise<PrivateCluster> {
  const port = await freePortRange(nodes * 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamtally-cluster-'));
  const env = { ...process.env, KAFKA_LOCAL_BROKERS: String(nodes), KAFKA_LOCAL_PORT: String(port), KAFKA_LOCAL_DIR: dir };
  const kafkaLocal = (...args: string[]) => run(KAFKA_LOCAL, args, { env, timeout: 180_000 }).then(() => undefined);
  const nodeIds = Array.from({ length: nodes }, (_, i) => i + 1);
  try {
    await kafkaLocal('start');
  } catch (err) {
    for (const id of nodeIds) await kafkaLocal('kill', String(id)).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    // a port found free was taken before a node bound it: other ports, a few times
    if (attempts > 1 && /already in use/i.test((err as Error).message)) return startPrivateCluster(nodes, attempts - 1);
    throw err;
  }
  return {
    brokers: nodeIds.map((id) => `127.0.0.1:${port + 2 * (id - 1)}`),
    nodeIds,
    kill: (nodeId) => kafkaLocal('kill', String(nodeId)),
    startNode: (nodeId) => kafkaLocal('start-node', String(nodeId)),
    close: async () => {
      // its data goes with it: a SIGKILL each saves the controlled shutdown (up to 30 s a node)
      for (const id of nodeIds) await kafkaLocal('kill', String(id)).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
