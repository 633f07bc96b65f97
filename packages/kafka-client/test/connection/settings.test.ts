import { z } from 'zod';
import { parseSettings } from '@streamtally/service-config';
import { checkKafkaConnection, kafkaConnectionProblems, kafkaConnectionShape, type KafkaConnectionSettings } from '../../src';

const schema = z.object(kafkaConnectionShape).superRefine(checkKafkaConnection);
const parse = (values: Record<string, string>) => parseSettings(schema, { KAFKA_BROKERS: 'kafka:9092', ...values });

describe('Kafka connection settings', () => {
  it('default to PLAINTEXT with the host name checked and certificates verified', () => {
    expect(parse({})).toEqual({
      ok: true,
      config: expect.objectContaining({
        KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT',
        KAFKA_SSL_ENDPOINT_IDENTIFICATION: 'https',
        KAFKA_SSL_CERTIFICATE_VERIFICATION: true,
      }) as unknown,
    });
  });

  it('take the Java client names in any case', () => {
    const parsed = parse({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: 'p' });
    expect(parsed.ok && [parsed.config.KAFKA_SECURITY_PROTOCOL, parsed.config.KAFKA_SASL_MECHANISM]).toEqual(['SASL_SSL', 'SCRAM-SHA-512']);
  });

  it.each([
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }, 'KAFKA_SASL_MECHANISM: is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL'],
    [
      { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_PASSWORD: 'p' },
      'KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM=PLAIN',
    ],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_PASSWORD: is required with'],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'OAUTHBEARER' }, 'KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: is required'],
    [{ KAFKA_SASL_MECHANISM: 'PLAIN' }, 'KAFKA_SASL_MECHANISM: is set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use SASL'],
    [{ KAFKA_SSL_CA_FILE: '/ca.pem' }, 'KAFKA_SSL_CA_FILE: is set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use TLS'],
    [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERT_FILE: '/c.pem' }, 'KAFKA_SSL_KEY_FILE: is required with KAFKA_SSL_CERT_FILE'],
    [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_KEY_FILE: '/k.pem' }, 'KAFKA_SSL_CERT_FILE: is required with KAFKA_SSL_KEY_FILE'],
    [{ KAFKA_SECURITY_PROTOCOL: 'TLS' }, 'KAFKA_SECURITY_PROTOCOL: '],
    [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_ENDPOINT_IDENTIFICATION: 'off' }, 'KAFKA_SSL_ENDPOINT_IDENTIFICATION: '],
  ])('%j is refused, naming the variable', (values, message) => {
    const parsed = parse(values);
    expect(parsed.ok ? [] : parsed.errors.join('\n')).toContain(message);
  });

  it('never shows a secret it refuses', () => {
    const parsed = parse({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_PASSWORD: 'hunter2-hunter2', KAFKA_SSL_KEY_PASSWORD: 'open-sesame' });
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? '' : parsed.errors.join('\n');
    expect(errors).toContain('KAFKA_SASL_PASSWORD: is set, but KAFKA_SECURITY_PROTOCOL=SSL does not use SASL');
    expect(errors).not.toContain('hunter2');
    expect(errors).not.toContain('open-sesame');
  });

  it('reads the password from KAFKA_SASL_PASSWORD_FILE', () => {
    const read = (file: string) => (file === '/run/secrets/kafka' ? 'from-the-file\n' : '');
    const parsed = parseSettings(
      schema,
      {
        KAFKA_BROKERS: 'k:1',
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'PLAIN',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka',
      },
      new Map(),
      read,
    );
    expect(parsed.ok && parsed.config.KAFKA_SASL_PASSWORD).toBe('from-the-file');
  });

  it('accepts each protocol with what it needs and nothing else', () => {
    const base = { KAFKA_BROKERS: ['k:1'], KAFKA_SSL_ENDPOINT_IDENTIFICATION: 'https', KAFKA_SSL_CERTIFICATE_VERIFICATION: true } as const;
    const ok: Partial<KafkaConnectionSettings>[] = [
      { KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' },
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: '/ca', KAFKA_SSL_CERT_FILE: '/c', KAFKA_SSL_KEY_FILE: '/k', KAFKA_SSL_KEY_PASSWORD: 'x' },
      { KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'OAUTHBEARER', KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: '/t' },
    ];
    for (const settings of ok) expect(kafkaConnectionProblems({ ...base, ...settings } as KafkaConnectionSettings)).toEqual([]);
  });
});
