import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TEST_PKI = path.resolve(__dirname, '../../../scripts/test-pki');

export interface TestPki {
  dir: string;
  /** the CA that signed the server and client certificates */
  ca: string;
  /** a CA that signed nothing here */
  otherCa: string;
  server: { cert: string; key: string };
  expiredServer: { cert: string; key: string };
  /** client certificates (CN = name), with the key also encrypted and its passphrase */
  client(name: string): { cert: string; key: string; encryptedKey: string; passphraseFile: string };
  close(): void;
}

/**
 * A throw-away CA, server and client certificates made with openssl (scripts/test-pki); the
 * server certificates also hold `serverNames` (e.g. `IP:172.17.0.1`).
 */
export function makeTestPki(clients: string[] = [], serverNames: string[] = []): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamtally-pki-'));
  execFileSync(TEST_PKI, [dir, ...clients], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
    env: { ...process.env, TEST_PKI_SERVER_NAMES: serverNames.join(',') },
  });
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    ca: file('ca.pem'),
    otherCa: file('other-ca.pem'),
    server: { cert: file('server.pem'), key: file('server.key') },
    expiredServer: { cert: file('expired-server.pem'), key: file('expired-server.key') },
    client: (name) => ({
      cert: file(`client-${name}.pem`),
      key: file(`client-${name}.key`),
      encryptedKey: file(`client-${name}.enc.key`),
      passphraseFile: file(`client-${name}.pass`),
    }),
    close: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
