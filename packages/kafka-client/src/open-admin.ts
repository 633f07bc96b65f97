import type { Admin, Kafka } from 'kafkajs';
import { connectionOf } from './create-kafka';
import { explainConnectError } from './connection/explain';
import { probeListeners } from './connection/listener-probe';

/** A start-up connection failure, in one line naming the setting to look at. */
export class KafkaConnectError extends Error {
  override readonly name = 'KafkaConnectError';
}

/** The listener probe never takes longer than this, whatever BROKER_TIMEOUT_MS allows. */
const PROBE_TIMEOUT_MS = 3000;

/**
 * An admin client connected to the cluster, or a KafkaConnectError within `timeoutMs`: the
 * listener probe first (a TLS or SASL mismatch, an untrusted or expired certificate, a
 * mechanism the broker does not offer: each named at once instead of after every retry),
 * then kafkajs's connection (refused credentials, named), or no broker answering in time.
 */
export async function openAdmin(kafka: Kafka, timeoutMs: number): Promise<Admin> {
  const connection = connectionOf(kafka);
  const started = Date.now();
  const mismatch = await probeListeners(connection, Math.min(PROBE_TIMEOUT_MS, timeoutMs));
  if (mismatch) throw new KafkaConnectError(mismatch);
  const admin = kafka.admin();
  const remainingMs = Math.max(100, timeoutMs - (Date.now() - started));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KafkaConnectError(`no Kafka broker answered at ${connection.brokers.join(',')} within ${timeoutMs} ms (KAFKA_BROKERS)`)),
      remainingMs,
    );
  });
  try {
    await Promise.race([admin.connect().then(() => admin.listTopics()), timeout]);
    return admin;
  } catch (err) {
    // not awaited: while kafkajs is still retrying its first connection, disconnect waits out
    // every retry (75 s with BROKER_TIMEOUT_MS=2000); the caller is about to give up anyway
    void admin.disconnect().catch(() => undefined);
    if (err instanceof KafkaConnectError) throw err;
    throw new KafkaConnectError(explainConnectError(err, connection), { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
