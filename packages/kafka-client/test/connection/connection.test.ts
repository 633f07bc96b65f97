import fs from 'node:fs';
import { makeTestPki, type TestPki } from '@streamtally/test-support';
import { clientCertificateProblem, kafkaConnectionOf, type KafkaConnectionSettings } from '../../src';

const base: KafkaConnectionSettings = {
  KAFKA_BROKERS: ['127.0.0.1:9093'],
  KAFKA_SECURITY_PROTOCOL: 'SSL',
  KAFKA_SSL_ENDPOINT_IDENTIFICATION: 'https',
  KAFKA_SSL_CERTIFICATE_VERIFICATION: true,
};

describe('kafkaConnectionOf: the files the settings name, read and checked before any broker is asked', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki(['app']);
  });
  afterAll(() => pki.close());

  const errorsOf = (settings: Partial<KafkaConnectionSettings>) => {
    const result = kafkaConnectionOf({ ...base, ...settings });
    return result.ok ? [] : result.errors;
  };

  it('mutual TLS with the CA, the certificate and its encrypted key', () => {
    const app = pki.client('app');
    const result = kafkaConnectionOf({
      ...base,
      KAFKA_SSL_CA_FILE: pki.ca,
      KAFKA_SSL_CERT_FILE: app.cert,
      KAFKA_SSL_KEY_FILE: app.encryptedKey,
      KAFKA_SSL_KEY_PASSWORD: fs.readFileSync(app.passphraseFile, 'utf8').trim(),
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.connection.tls).toMatchObject({ rejectUnauthorized: true, ca: [fs.readFileSync(pki.ca, 'utf8')] });
    expect(result.connection.tls?.checkServerIdentity).toBeUndefined();
    expect(result.connection.described).toEqual(
      expect.objectContaining({ protocol: 'SSL', caFile: pki.ca, certFile: app.cert, hostnameCheck: true, certificateVerification: true }),
    );
    expect(JSON.stringify(result.connection.described)).not.toContain(fs.readFileSync(app.passphraseFile, 'utf8').trim());
    expect(result.connection.warnings).toEqual([]);
  });

  it.each([
    ['a CA file that does not exist', { KAFKA_SSL_CA_FILE: '/nowhere/ca.pem' }, 'KAFKA_SSL_CA_FILE: /nowhere/ca.pem does not exist'],
    ['a CA file that is not PEM', () => ({ KAFKA_SSL_CA_FILE: pki.client('app').key }), 'holds no PEM certificate'],
    [
      'an encrypted key without its passphrase',
      () => ({ KAFKA_SSL_CERT_FILE: pki.client('app').cert, KAFKA_SSL_KEY_FILE: pki.client('app').encryptedKey }),
      'is encrypted: set KAFKA_SSL_KEY_PASSWORD',
    ],
    [
      'a wrong passphrase',
      () => ({ KAFKA_SSL_CERT_FILE: pki.client('app').cert, KAFKA_SSL_KEY_FILE: pki.client('app').encryptedKey, KAFKA_SSL_KEY_PASSWORD: 'not-it' }),
      'KAFKA_SSL_KEY_PASSWORD: does not decrypt the key in',
    ],
    [
      'a key of another certificate',
      () => ({ KAFKA_SSL_CERT_FILE: pki.client('app').cert, KAFKA_SSL_KEY_FILE: pki.server.key }),
      'does not belong to the certificate in',
    ],
    [
      'an expired client certificate',
      () => ({ KAFKA_SSL_CERT_FILE: pki.expiredServer.cert, KAFKA_SSL_KEY_FILE: pki.expiredServer.key }),
      'expired on 2020-01-31',
    ],
  ])('%s stops start-up naming the variable', (_case, settings, message) => {
    const errors = errorsOf(typeof settings === 'function' ? settings() : settings);
    expect(errors.join('\n')).toContain(message);
    expect(errors.join('\n')).not.toContain('not-it');
  });

  it('turning verification off is allowed, with a warning to log', () => {
    const result = kafkaConnectionOf({ ...base, KAFKA_SSL_CERTIFICATE_VERIFICATION: false });
    expect(result.ok && result.connection.tls?.rejectUnauthorized).toBe(false);
    expect(result.ok && result.connection.warnings.join()).toContain('TLS certificate verification is OFF');
  });

  it('without host name checking, any name the CA signed is accepted, with a warning', () => {
    const result = kafkaConnectionOf({ ...base, KAFKA_SSL_ENDPOINT_IDENTIFICATION: 'none' });
    expect(result.ok && result.connection.tls?.checkServerIdentity?.('elsewhere', {} as never)).toBeUndefined();
    expect(result.ok && result.connection.warnings.join()).toContain('KAFKA_SSL_ENDPOINT_IDENTIFICATION=none');
  });

  it('SCRAM and PLAIN become kafkajs SASL options; PLAIN over SASL_PLAINTEXT is warned about', () => {
    const scram = kafkaConnectionOf({
      ...base,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'app',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
    expect(scram.ok && scram.connection.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'app', password: 's3cret' });
    expect(scram.ok && JSON.stringify(scram.connection.described)).not.toContain('s3cret');
    const plain = kafkaConnectionOf({
      ...base,
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'app',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(plain.ok && plain.connection.tls).toBeUndefined();
    expect(plain.ok && plain.connection.warnings.join()).toContain('sends the password unencrypted');
  });

  it('an expired JWT in the token file stops start-up with its expiry', () => {
    const file = `${pki.dir}/token`;
    const claims = Buffer.from(JSON.stringify({ sub: 'app', exp: 1_600_000_000 })).toString('base64url');
    fs.writeFileSync(file, `eyJhbGciOiJub25lIn0.${claims}.\n`);
    const result = kafkaConnectionOf({
      ...base,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: file,
    });
    expect(result.ok ? [] : result.errors).toEqual([`KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: the token in ${file} expired at 2020-09-13T12:26:40.000Z`]);
  });

  it('clientCertificateProblem names other variables when asked (Redis)', () => {
    const app = pki.client('app');
    const problem = clientCertificateProblem(
      fs.readFileSync(app.cert, 'utf8'),
      app.cert,
      fs.readFileSync(app.encryptedKey, 'utf8'),
      app.encryptedKey,
      undefined,
      { cert: 'REDIS_TLS_CERT_FILE', key: 'REDIS_TLS_KEY_FILE', passphrase: 'REDIS_TLS_KEY_PASSWORD' },
    );
    expect(problem).toBe(`REDIS_TLS_KEY_FILE: the key in ${app.encryptedKey} is encrypted: set REDIS_TLS_KEY_PASSWORD (or REDIS_TLS_KEY_PASSWORD_FILE)`);
  });
});
