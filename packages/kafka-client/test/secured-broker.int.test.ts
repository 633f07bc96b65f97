import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '@streamtally/observability';
import { startSecuredBroker, type SecuredBroker, waitFor } from '@streamtally/test-support';
import { createKafka, kafkaConnectionOf, type KafkaConnectionSettings, openAdmin, type Admin } from '../src';

// Every way a client can be set up against a secured broker, right and wrong, on a real one:
// SASL_SSL (SCRAM-SHA-512, OAUTHBEARER), mutual TLS, SASL_PLAINTEXT (PLAIN). Each mistake must
// come back as one line naming the setting, well before the start-up timeout, and without
// any password in it.
const TIMEOUT_MS = 20_000;
/** far below TIMEOUT_MS: a mistake is found, not waited out */
const QUICK_MS = 8_000;

describe('a secured broker: each listener reached right, each mistake named in one line', () => {
  let broker: SecuredBroker;
  const admins: Admin[] = [];

  beforeAll(async () => {
    // kafkajs re-authenticates a session 10 s before the broker would end it
    broker = await startSecuredBroker({ users: ['app'], reauthMs: 20_000 });
  }, 180_000);
  afterEach(async () => {
    await Promise.all(admins.splice(0).map((a) => a.disconnect()));
  });
  afterAll(() => broker?.close());

  const settings = (values: Partial<KafkaConnectionSettings>): KafkaConnectionSettings => ({
    KAFKA_BROKERS: [broker.saslSsl],
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SSL_ENDPOINT_IDENTIFICATION: 'https',
    KAFKA_SSL_CERTIFICATE_VERIFICATION: true,
    KAFKA_SSL_CA_FILE: broker.pki.ca,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: 'app',
    KAFKA_SASL_PASSWORD: broker.users.app,
    ...values,
  });

  async function connect(values: Partial<KafkaConnectionSettings>): Promise<Admin> {
    const loaded = kafkaConnectionOf(settings(values));
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const admin = await openAdmin(createKafka({ connection: loaded.connection, clientId: 'secured-test', logger: silentLogger() }), TIMEOUT_MS);
    admins.push(admin);
    return admin;
  }

  /** The one line a mistake gives, and how long it took. */
  async function failure(values: Partial<KafkaConnectionSettings>): Promise<{ message: string; ms: number }> {
    const started = Date.now();
    const error = await connect(values).then(
      () => new Error('connected'),
      (err: Error) => err,
    );
    expect(error.name).toBe('KafkaConnectError');
    expect(error.message).not.toContain('\n');
    for (const password of Object.values(broker.users)) expect(error.message).not.toContain(password);
    return { message: error.message, ms: Date.now() - started };
  }

  it('SASL_SSL with SCRAM-SHA-512', async () => {
    const admin = await connect({});
    await expect(admin.describeCluster()).resolves.toEqual(expect.objectContaining({ brokers: [expect.objectContaining({ nodeId: 1 })] }));
  });

  it('mutual TLS: the certificate is the identity', async () => {
    const app = broker.pki.client('app');
    const admin = await connect({
      KAFKA_BROKERS: [broker.mutualTls],
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_SASL_MECHANISM: undefined,
      KAFKA_SASL_USERNAME: undefined,
      KAFKA_SASL_PASSWORD: undefined,
      KAFKA_SSL_CERT_FILE: app.cert,
      KAFKA_SSL_KEY_FILE: app.encryptedKey,
      KAFKA_SSL_KEY_PASSWORD: fs.readFileSync(app.passphraseFile, 'utf8').trim(),
    });
    await expect(admin.listTopics()).resolves.toEqual(expect.any(Array));
  });

  it('SASL_PLAINTEXT with PLAIN', async () => {
    const admin = await connect({
      KAFKA_BROKERS: [broker.saslPlaintext],
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SSL_CA_FILE: undefined,
      KAFKA_SASL_MECHANISM: 'PLAIN',
    });
    await expect(admin.listTopics()).resolves.toEqual(expect.any(Array));
  });

  it('OAUTHBEARER: the token file is read again when the broker asks to re-authenticate', async () => {
    const tokenFile = path.join(broker.pki.dir, 'token');
    const token = (expiresInS: number) => {
      const claims = { sub: 'app', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + expiresInS };
      return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    };
    // the broker ends a session when its token expires; kafkajs authenticates again 10 s before
    fs.writeFileSync(tokenFile, token(12));
    const firstExpiry = Date.now() + 12_000;
    const admin = await connect({
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_USERNAME: undefined,
      KAFKA_SASL_PASSWORD: undefined,
      KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: tokenFile,
    });
    await admin.listTopics();
    // an agent outside the process refreshes the file; the first token then expires
    fs.writeFileSync(tokenFile, token(600));
    await waitFor(() => Date.now() > firstExpiry + 1000, { timeoutMs: 20_000, what: 'the first token to expire' });
    // the connection outlived its token only by authenticating again, with the new file
    await expect(admin.listTopics()).resolves.toEqual(expect.any(Array));
  });

  it.each([
    [
      'a wrong password',
      () => ({ KAFKA_SASL_PASSWORD: 'not-the-password' }),
      'SASL authentication failed for user "app" (KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD): the broker refused the SCRAM-SHA-512 credentials',
    ],
    [
      'a mechanism the broker does not enable',
      () => ({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' as const }),
      'KAFKA_SASL_MECHANISM: the broker does not enable SCRAM-SHA-256 on the listener at 127.0.0.1:',
    ],
    [
      'PLAINTEXT to the TLS listener',
      () => ({ KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' as const, KAFKA_SASL_MECHANISM: undefined, KAFKA_SSL_CA_FILE: undefined }),
      'speaks TLS, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT: use SSL or SASL_SSL',
    ],
    [
      'SASL_SSL to the plaintext SASL listener',
      () => ({ KAFKA_BROKERS: [broker.saslPlaintext], KAFKA_SASL_MECHANISM: 'PLAIN' as const }),
      'does not speak TLS (it answers plaintext Kafka), but KAFKA_SECURITY_PROTOCOL=SASL_SSL: use SASL_PLAINTEXT',
    ],
    [
      'PLAINTEXT to a listener that requires SASL',
      () => ({
        KAFKA_BROKERS: [broker.saslPlaintext],
        KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' as const,
        KAFKA_SASL_MECHANISM: undefined,
        KAFKA_SSL_CA_FILE: undefined,
      }),
      'requires SASL authentication (it offers PLAIN), but KAFKA_SECURITY_PROTOCOL=PLAINTEXT',
    ],
    [
      'SASL to the mutual-TLS listener',
      () => ({ KAFKA_BROKERS: [broker.mutualTls], KAFKA_SSL_CERT_FILE: broker.pki.client('app').cert, KAFKA_SSL_KEY_FILE: broker.pki.client('app').key }),
      'does not use SASL, but KAFKA_SECURITY_PROTOCOL=SASL_SSL: use SSL',
    ],
    [
      'a CA that did not sign the broker',
      () => ({ KAFKA_SSL_CA_FILE: broker.pki.otherCa }),
      "the server's certificate is not signed by a CA in KAFKA_SSL_CA_FILE (/",
    ],
    [
      'an expired broker certificate',
      () => ({ KAFKA_BROKERS: [broker.expiredTls], KAFKA_SECURITY_PROTOCOL: 'SSL' as const, KAFKA_SASL_MECHANISM: undefined }),
      "the server's certificate has expired",
    ],
    [
      'a broker certificate for another name',
      () => ({ KAFKA_BROKERS: [broker.wrongNameTls], KAFKA_SECURITY_PROTOCOL: 'SSL' as const, KAFKA_SASL_MECHANISM: undefined }),
      "the server's certificate is not for 127.0.0.1 (it is for DNS:elsewhere.example): connect by a name it holds, or set KAFKA_SSL_ENDPOINT_IDENTIFICATION=none",
    ],
    [
      'mutual TLS without a client certificate',
      () => ({ KAFKA_BROKERS: [broker.mutualTls], KAFKA_SECURITY_PROTOCOL: 'SSL' as const, KAFKA_SASL_MECHANISM: undefined }),
      'the server requires a client certificate (mutual TLS): set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE',
    ],
  ])('%s', async (_case, values, message) => {
    const { message: line, ms } = await failure({ KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: broker.users.app, ...values() });
    expect(line).toContain(message);
    expect(ms).toBeLessThan(QUICK_MS);
  });

  it('an OAUTHBEARER token the broker refuses', async () => {
    const tokenFile = path.join(broker.pki.dir, 'bad-token');
    fs.writeFileSync(tokenFile, 'not.a.token');
    const { message, ms } = await failure({
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_USERNAME: undefined,
      KAFKA_SASL_PASSWORD: undefined,
      KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: tokenFile,
    });
    expect(message).toBe(
      `SASL OAUTHBEARER authentication failed (KAFKA_SASL_OAUTHBEARER_TOKEN_FILE ${tokenFile}): the broker refused the token in ${tokenFile} (invalid_token)`,
    );
    expect(ms).toBeLessThan(QUICK_MS);
  });

  it('turning verification off reaches the broker whatever its certificate (a test cluster only)', async () => {
    const admin = await connect({
      KAFKA_BROKERS: [broker.expiredTls],
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_SASL_MECHANISM: undefined,
      KAFKA_SSL_CERTIFICATE_VERIFICATION: false,
    });
    await expect(admin.listTopics()).resolves.toEqual(expect.any(Array));
  });
});
