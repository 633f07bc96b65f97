import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Mechanism, SASLOptions } from 'kafkajs';
import { describeFileError } from '@streamtally/service-config';
import { oauthBearerMechanism, readTokenFile } from './oauthbearer';
import type { KafkaConnectionSettings, SaslMechanism, SecurityProtocol } from './settings';

/** Everything a client needs to reach Kafka, files already read and checked. */
export interface KafkaConnection {
  brokers: string[];
  protocol: SecurityProtocol;
  /** Node TLS options (kafkajs's `ssl`), present with SSL and SASL_SSL */
  tls?: ConnectionOptions;
  sasl?: SASLOptions | Mechanism;
  /** what logs and errors may say about the connection: names and paths, never a secret */
  described: ConnectionDescription;
  /** said once at start, at warn: settings that weaken security on purpose */
  warnings: string[];
}

export interface ConnectionDescription {
  protocol: SecurityProtocol;
  mechanism?: SaslMechanism;
  username?: string;
  tokenFile?: string;
  caFile?: string;
  certFile?: string;
  hostnameCheck?: boolean;
  certificateVerification?: boolean;
}

/** A plaintext connection to these brokers: what tests and tools on a local broker use. */
export function plaintextConnection(brokers: string[]): KafkaConnection {
  return { brokers, protocol: 'PLAINTEXT', described: { protocol: 'PLAINTEXT' }, warnings: [] };
}

export type ReadFile = (file: string) => Buffer;

export type ConnectionResult = { ok: true; connection: KafkaConnection } | { ok: false; errors: string[] };

/**
 * The connection the settings describe, with every file they name read and checked now, so a
 * wrong path, a file that is not PEM, a key that does not fit its certificate or its
 * passphrase, or an expired client certificate stops start-up naming the variable — before
 * any broker is asked. Expects settings already validated by `checkKafkaConnection`.
 */
export function kafkaConnectionOf(settings: KafkaConnectionSettings, read: ReadFile = (f) => fs.readFileSync(f)): ConnectionResult {
  const errors: string[] = [];
  const protocol = settings.KAFKA_SECURITY_PROTOCOL;
  const described: ConnectionDescription = { protocol };
  const warnings: string[] = [];
  const connection: KafkaConnection = { brokers: settings.KAFKA_BROKERS, protocol, described, warnings };

  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const tls = tlsOptions(settings, read, errors);
    connection.tls = tls;
    Object.assign(described, {
      caFile: settings.KAFKA_SSL_CA_FILE,
      certFile: settings.KAFKA_SSL_CERT_FILE,
      hostnameCheck: settings.KAFKA_SSL_ENDPOINT_IDENTIFICATION === 'https',
      certificateVerification: settings.KAFKA_SSL_CERTIFICATE_VERIFICATION,
    });
    if (!settings.KAFKA_SSL_CERTIFICATE_VERIFICATION) {
      warnings.push(
        'TLS certificate verification is OFF (KAFKA_SSL_CERTIFICATE_VERIFICATION=false): any server can pose as the broker and read or change what this service sends and receives',
      );
    } else if (settings.KAFKA_SSL_ENDPOINT_IDENTIFICATION === 'none') {
      warnings.push(
        "the broker's certificate is not checked against its host name (KAFKA_SSL_ENDPOINT_IDENTIFICATION=none): any certificate the CA signed is accepted",
      );
    }
  }

  const mechanism = settings.KAFKA_SASL_MECHANISM;
  if ((protocol === 'SASL_SSL' || protocol === 'SASL_PLAINTEXT') && mechanism) {
    described.mechanism = mechanism;
    if (mechanism === 'OAUTHBEARER') {
      const tokenFile = settings.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE!;
      described.tokenFile = tokenFile;
      const token = readTokenFile(tokenFile, read);
      if (!token.ok) errors.push(`KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: ${token.error}`);
      connection.sasl = oauthBearerMechanism(tokenFile, read);
    } else {
      described.username = settings.KAFKA_SASL_USERNAME;
      const credentials = { username: settings.KAFKA_SASL_USERNAME!, password: settings.KAFKA_SASL_PASSWORD! };
      connection.sasl =
        mechanism === 'PLAIN'
          ? { mechanism: 'plain', ...credentials }
          : mechanism === 'SCRAM-SHA-256'
            ? { mechanism: 'scram-sha-256', ...credentials }
            : { mechanism: 'scram-sha-512', ...credentials };
      if (mechanism === 'PLAIN' && protocol === 'SASL_PLAINTEXT') {
        warnings.push('SASL PLAIN over SASL_PLAINTEXT sends the password unencrypted: anyone on the network path can read it (SASL_SSL encrypts it)');
      }
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, connection };
}

function tlsOptions(settings: KafkaConnectionSettings, read: ReadFile, errors: string[]): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: settings.KAFKA_SSL_CERTIFICATE_VERIFICATION };
  if (settings.KAFKA_SSL_ENDPOINT_IDENTIFICATION === 'none') options.checkServerIdentity = () => undefined;
  const caFile = settings.KAFKA_SSL_CA_FILE;
  if (caFile) {
    const ca = readPem(read, 'KAFKA_SSL_CA_FILE', caFile, errors);
    if (ca !== undefined) {
      if (certificatesIn(ca).length === 0) errors.push(`KAFKA_SSL_CA_FILE: ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
      else options.ca = [ca];
    }
  }
  const certFile = settings.KAFKA_SSL_CERT_FILE;
  const keyFile = settings.KAFKA_SSL_KEY_FILE;
  if (certFile && keyFile) {
    const cert = readPem(read, 'KAFKA_SSL_CERT_FILE', certFile, errors);
    const key = readPem(read, 'KAFKA_SSL_KEY_FILE', keyFile, errors);
    if (cert !== undefined && key !== undefined) {
      const problem = clientCertificateProblem(cert, certFile, key, keyFile, settings.KAFKA_SSL_KEY_PASSWORD);
      if (problem) errors.push(problem);
      else Object.assign(options, { cert, key, ...(settings.KAFKA_SSL_KEY_PASSWORD ? { passphrase: settings.KAFKA_SSL_KEY_PASSWORD } : {}) });
    }
  }
  return options;
}

function readPem(read: ReadFile, variable: string, file: string, errors: string[]): string | undefined {
  try {
    return read(file).toString('utf8');
  } catch (err) {
    errors.push(`${variable}: ${describeFileError(file, err)}`);
    return undefined;
  }
}

/** Each PEM certificate in a bundle, parsed. */
export function certificatesIn(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certificates: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      // a damaged block: reported as "no certificate" when none parses
    }
  }
  return certificates;
}

/**
 * Why a client certificate and key cannot be used, naming the variable: not PEM, expired or
 * not yet valid, an encrypted key without its passphrase or with a wrong one, or a key of
 * another certificate. Shared with the Redis connection (its own variable names).
 */
export function clientCertificateProblem(
  certPem: string,
  certFile: string,
  keyPem: string,
  keyFile: string,
  passphrase: string | undefined,
  names = { cert: 'KAFKA_SSL_CERT_FILE', key: 'KAFKA_SSL_KEY_FILE', passphrase: 'KAFKA_SSL_KEY_PASSWORD' },
  now = new Date(),
): string | undefined {
  const [certificate] = certificatesIn(certPem);
  if (!certificate) return `${names.cert}: ${certFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  if (new Date(certificate.validTo) < now) return `${names.cert}: the certificate in ${certFile} expired on ${new Date(certificate.validTo).toISOString()}`;
  if (new Date(certificate.validFrom) > now)
    return `${names.cert}: the certificate in ${certFile} is not valid before ${new Date(certificate.validFrom).toISOString()}`;
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(keyPem);
  if (encrypted && !passphrase) return `${names.key}: the key in ${keyFile} is encrypted: set ${names.passphrase} (or ${names.passphrase}_FILE)`;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyPem, ...(passphrase ? { passphrase } : {}) });
  } catch {
    if (encrypted) return `${names.passphrase}: does not decrypt the key in ${keyFile}`;
    return `${names.key}: ${keyFile} holds no usable PEM private key`;
  }
  if (!certificate.checkPrivateKey(key)) return `${names.key}: the key in ${keyFile} does not belong to the certificate in ${certFile}`;
  return undefined;
}
