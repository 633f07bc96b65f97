import fs from 'node:fs';
import path from 'node:path';
import { createKafka, type Kafka, kafkaConnectionOf } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import type { SecuredBroker } from '@streamtally/test-support';

/**
 * What a service run as `user` on the secured broker's SASL_SSL listener is given: the
 * settings a team would set, the password as a file (as Docker and Kubernetes hand it over).
 */
export function securedKafkaEnv(broker: SecuredBroker, user: string, dir: string): Record<string, string> {
  const passwordFile = path.join(dir, `${user}.kafka-password`);
  fs.writeFileSync(passwordFile, `${broker.users[user]}\n`, { mode: 0o600 });
  return {
    KAFKA_BROKERS: broker.saslSsl,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: user,
    KAFKA_SASL_PASSWORD_FILE: passwordFile,
    KAFKA_SSL_CA_FILE: broker.pki.ca,
  };
}

/** A client of the test's own as `user` (admin: a super user) over SASL_SSL. */
export function securedKafka(broker: SecuredBroker, user: string): Kafka {
  const loaded = kafkaConnectionOf({
    KAFKA_BROKERS: [broker.saslSsl],
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: user,
    KAFKA_SASL_PASSWORD: broker.users[user],
    KAFKA_SSL_CA_FILE: broker.pki.ca,
    KAFKA_SSL_ENDPOINT_IDENTIFICATION: 'https',
    KAFKA_SSL_CERTIFICATE_VERIFICATION: true,
  });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  return createKafka({ connection: loaded.connection, clientId: `test-${user}`, logger: silentLogger() });
}
