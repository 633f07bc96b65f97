import fs from 'node:fs';
import path from 'node:path';
import { type Admin, createKafka, type Kafka, kafkaConnectionOf } from '@streamtally/kafka-client';
import { aclEntries, readAclTable } from './acl-table';
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

/**
 * The platform team's part, on a secured broker: the pipeline's topics (the results topic
 * compacted) under the test's own names, and for each service principal exactly the README's
 * ACL rows (TOPICS_CREATE=false). `partitions` of the input topic; the others get fewer.
 */
export async function provisionPipeline(admin: Admin, names: Record<string, string>, principals: string[], partitions: number): Promise<void> {
  const topic = (name: string, numPartitions: number) => ({ topic: names[name]!, numPartitions });
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      topic('user-actions', partitions),
      topic('user-actions.dlq', 1),
      topic('text-lines', 1),
      ...(names['text-lines.dlq'] ? [topic('text-lines.dlq', 1)] : []),
      { ...topic('window-results', 3), configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      topic('late-events', 1),
      topic('aggregator.dlq', 1),
      { ...topic('job-descriptions', 1), configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });
  await admin.createAcls({ acl: aclEntries(readAclTable(), { principals: Object.fromEntries(principals.map((u) => [u, u])), names, create: false }) });
}
