import { z } from 'zod';
import { setting } from '@streamtally/service-config';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** Kafka's names are upper case; `sasl_ssl` or `scram-sha-512` mean the same. */
const upperCaseEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((value) => (typeof value === 'string' ? value.trim().toUpperCase() : value), z.enum(values));

const file = () => z.string().min(1);

/**
 * How every streamtally client reaches Kafka, keyed by environment variable, named after the
 * Java client's settings (security.protocol, sasl.mechanism, ssl.truststore…, ssl.keystore…,
 * ssl.endpoint.identification.algorithm) so ops teams recognise them. Spread into each
 * service's schema; `checkKafkaConnection` adds the rules between them.
 */
export const kafkaConnectionShape = {
  KAFKA_BROKERS: setting.brokers(),
  KAFKA_SECURITY_PROTOCOL: upperCaseEnum(SECURITY_PROTOCOLS).default('PLAINTEXT'),
  KAFKA_SASL_MECHANISM: upperCaseEnum(SASL_MECHANISMS).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  /** a secret: KAFKA_SASL_PASSWORD_FILE reads it from a file */
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** OAUTHBEARER: a file holding the token, read again whenever a connection authenticates */
  KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: file().optional(),
  /** PEM CA certificate(s) to trust instead of the system's store */
  KAFKA_SSL_CA_FILE: file().optional(),
  /** mutual TLS: this client's PEM certificate (chain) and private key */
  KAFKA_SSL_CERT_FILE: file().optional(),
  KAFKA_SSL_KEY_FILE: file().optional(),
  /** a secret: the key's passphrase, when the key is encrypted */
  KAFKA_SSL_KEY_PASSWORD: z.string().min(1).optional(),
  /** `https` checks that the broker's certificate names the host connected to; `none` does not */
  KAFKA_SSL_ENDPOINT_IDENTIFICATION: z
    .preprocess((value) => (typeof value === 'string' ? value.trim().toLowerCase() : value), z.enum(['https', 'none']))
    .default('https'),
  /** false trusts any certificate: only for a test cluster, and logged as a warning at every start */
  KAFKA_SSL_CERTIFICATE_VERIFICATION: setting.flag().default(true),
};

export type KafkaConnectionSettings = z.output<z.ZodObject<typeof kafkaConnectionShape>>;

const usesSasl = (protocol: SecurityProtocol) => protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
const usesTls = (protocol: SecurityProtocol) => protocol === 'SSL' || protocol === 'SASL_SSL';

/**
 * The rules between the Kafka settings, each broken one named: what a protocol needs, and
 * settings that would be ignored under it (a CA file with PLAINTEXT is a mistake to point
 * out, not to drop silently).
 */
export function kafkaConnectionProblems(c: KafkaConnectionSettings): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  const add = (variable: string, message: string) => problems.push({ variable, message });
  const protocol = c.KAFKA_SECURITY_PROTOCOL;
  if (usesSasl(protocol)) {
    if (!c.KAFKA_SASL_MECHANISM) add('KAFKA_SASL_MECHANISM', `is required with KAFKA_SECURITY_PROTOCOL=${protocol}: one of ${SASL_MECHANISMS.join(', ')}`);
    if (c.KAFKA_SASL_MECHANISM === 'OAUTHBEARER') {
      if (!c.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE) add('KAFKA_SASL_OAUTHBEARER_TOKEN_FILE', 'is required with KAFKA_SASL_MECHANISM=OAUTHBEARER');
      for (const unused of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
        if (c[unused]) add(unused, 'is not used with KAFKA_SASL_MECHANISM=OAUTHBEARER (the token names the principal)');
      }
    } else if (c.KAFKA_SASL_MECHANISM) {
      if (!c.KAFKA_SASL_USERNAME) add('KAFKA_SASL_USERNAME', `is required with KAFKA_SASL_MECHANISM=${c.KAFKA_SASL_MECHANISM}`);
      if (!c.KAFKA_SASL_PASSWORD) add('KAFKA_SASL_PASSWORD', `is required with KAFKA_SASL_MECHANISM=${c.KAFKA_SASL_MECHANISM} (or KAFKA_SASL_PASSWORD_FILE)`);
      if (c.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE) add('KAFKA_SASL_OAUTHBEARER_TOKEN_FILE', 'is used only with KAFKA_SASL_MECHANISM=OAUTHBEARER');
    }
  } else {
    for (const unused of ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_OAUTHBEARER_TOKEN_FILE'] as const) {
      if (c[unused]) add(unused, `is set, but KAFKA_SECURITY_PROTOCOL=${protocol} does not use SASL (SASL_SSL or SASL_PLAINTEXT do)`);
    }
  }
  if (usesTls(protocol)) {
    if (c.KAFKA_SSL_CERT_FILE && !c.KAFKA_SSL_KEY_FILE) add('KAFKA_SSL_KEY_FILE', 'is required with KAFKA_SSL_CERT_FILE (the certificate’s private key)');
    if (c.KAFKA_SSL_KEY_FILE && !c.KAFKA_SSL_CERT_FILE) add('KAFKA_SSL_CERT_FILE', 'is required with KAFKA_SSL_KEY_FILE (the key’s certificate)');
    if (c.KAFKA_SSL_KEY_PASSWORD && !c.KAFKA_SSL_KEY_FILE) add('KAFKA_SSL_KEY_PASSWORD', 'is set without KAFKA_SSL_KEY_FILE');
  } else {
    for (const unused of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_KEY_PASSWORD'] as const) {
      if (c[unused]) add(unused, `is set, but KAFKA_SECURITY_PROTOCOL=${protocol} does not use TLS (SSL or SASL_SSL do)`);
    }
  }
  return problems;
}

/** For a service schema's superRefine: each problem becomes an issue on its variable. */
export function checkKafkaConnection(c: KafkaConnectionSettings, ctx: z.RefinementCtx): void {
  for (const { variable, message } of kafkaConnectionProblems(c)) ctx.addIssue({ code: 'custom', path: [variable], message });
}
