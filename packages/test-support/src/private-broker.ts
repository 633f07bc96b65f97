import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

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
