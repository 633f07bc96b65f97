import { Kafka } from 'kafkajs';
import { silentLogger } from '@streamtally/observability';
import { testBrokers, uniqueName, waitFor } from '@streamtally/test-support';
import { createKafka, ensureTopics } from '../src';

// Proves the test stack is a real broker: keyed messages over several partitions come
// back exactly once each to a consumer in a fresh group.
describe('real Kafka broker round trip', () => {
  let kafka: Kafka;
  beforeAll(() => {
    kafka = createKafka({ brokers: testBrokers(), clientId: 'round-trip-test', logger: silentLogger() });
  });

  it('a consumer in a fresh group reads back exactly the N keyed messages written', async () => {
    const topic = uniqueName('round-trip');
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await ensureTopics(admin, [{ topic, numPartitions: 4 }])).toEqual([topic]);
      expect(await ensureTopics(admin, [{ topic, numPartitions: 4 }])).toEqual([]);

      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const sent = Array.from({ length: 500 }, (_, i) => ({ key: `user-${i % 37}`, value: `message-${i}` }));
      await producer.send({ topic, acks: -1, messages: sent });
      await producer.disconnect();

      const received: { key: string; value: string; partition: number }[] = [];
      const consumer = kafka.consumer({ groupId: uniqueName('round-trip-group') });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message, partition }) => {
          received.push({ key: String(message.key), value: String(message.value), partition });
        },
      });
      try {
        await waitFor(() => received.length >= sent.length, { what: '500 messages back' });
      } finally {
        await consumer.disconnect();
      }

      expect(received.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
      // the same key always lands on the same partition, and the keys spread over several
      const partitionOfKey = new Map<string, Set<number>>();
      for (const m of received) partitionOfKey.set(m.key, (partitionOfKey.get(m.key) ?? new Set()).add(m.partition));
      expect([...partitionOfKey.values()].every((p) => p.size === 1)).toBe(true);
      expect(new Set(received.map((m) => m.partition)).size).toBeGreaterThan(1);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});

describe('ensureTopics', () => {
  it('converges when several clients create the same topics at once', async () => {
    const kafka = createKafka({ brokers: testBrokers(), clientId: 'ensure-test', logger: silentLogger() });
    const topic = uniqueName('contended');
    const admins = [kafka.admin(), kafka.admin(), kafka.admin()];
    await Promise.all(admins.map((a) => a.connect()));
    try {
      const created = await Promise.all(admins.map((a) => ensureTopics(a, [{ topic, numPartitions: 3 }])));
      // none failed, and no two claim the creation (a create whose answer was lost, retried
      // inside kafkajs as "already exists", may leave none claiming it on a loaded machine)
      expect(created.flat().length).toBeLessThanOrEqual(1);
      const metadata = await admins[0]!.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0]!.partitions).toHaveLength(3);
    } finally {
      await admins[0]!.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await Promise.all(admins.map((a) => a.disconnect()));
    }
  });

  it('reports a topic as created by the call that created it, and not again', async () => {
    const kafka = createKafka({ brokers: testBrokers(), clientId: 'ensure-test', logger: silentLogger() });
    const topic = uniqueName('ensure-once');
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await ensureTopics(admin, [{ topic, numPartitions: 2 }])).toEqual([topic]);
      expect(await ensureTopics(admin, [{ topic, numPartitions: 2 }])).toEqual([]);
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0]!.partitions.every((p) => p.leader >= 0)).toBe(true);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
