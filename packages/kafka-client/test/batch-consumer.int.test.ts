import { silentLogger } from '@streamtally/observability';
import { testBrokers, uniqueName, waitFor } from '@streamtally/test-support';
import { BatchConsumer, createKafka, createProducer, ServiceTopics } from '../src';

// The door's consumer and topics against the real broker: what the services rely on.
describe('BatchConsumer and ServiceTopics', () => {
  const kafka = createKafka({ brokers: testBrokers(), clientId: 'door-test', logger: silentLogger() });
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  /** A fresh topic of two partitions holding `count` keyed records. */
  async function topicWith(count: number): Promise<{ topic: string; topics: ServiceTopics }> {
    const topic = uniqueName('door');
    const topics = new ServiceTopics(kafka, { timeoutMs: 10_000, settings: { create: true, partitions: 2 }, logger: silentLogger() });
    closers.push(() => topics.close());
    await topics.prepare([{ topic, setting: 'TEST_TOPIC', cleanup: 'delete' }], { offsets: true });
    const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: String(i) })) });
    await producer.disconnect();
    return { topic, topics };
  }

  it('ServiceTopics answers only once prepared: partition counts, and each partition’s offsets', async () => {
    const early = new ServiceTopics(kafka, { timeoutMs: 10_000, settings: { create: true }, logger: silentLogger() });
    expect(() => early.partitionsOf('anything')).toThrow('the topics were not prepared: the service has not started');
    const { topic, topics } = await topicWith(10);
    expect(topics.partitionsOf(topic)).toBe(2);
    const offsets = await topics.offsetsOf(topic);
    expect(offsets.map((o) => o.partition).sort()).toEqual([0, 1]);
    expect(offsets.every((o) => o.start === '0')).toBe(true);
    expect(offsets.reduce((sum, o) => sum + Number(o.end), 0)).toBe(10);
    const checking = new ServiceTopics(kafka, { timeoutMs: 10_000, settings: { create: false }, logger: silentLogger() });
    await checking.prepare([{ topic, setting: 'TEST_TOPIC', cleanup: 'delete' }]); // no offsets asked: nothing kept open
    await expect(checking.offsetsOf(topic)).rejects.toThrow(`no offsets for ${topic}`);
  });

  it('without autoResolve, a batch nobody resolved is handed over again; with it, once', async () => {
    const { topic } = await topicWith(20);
    const read = async (autoResolve: boolean) => {
      const seen = new Map<string, number>();
      const consumer = new BatchConsumer(kafka, { groupId: uniqueName('door-group'), maxWaitMs: 50, throwawayGroup: true });
      closers.push(() => consumer.close());
      await consumer.start({
        topics: [topic],
        fromBeginning: true,
        autoResolve,
        eachBatch: async ({ partition, messages }) => {
          for (const m of messages) seen.set(`${partition}/${m.offset}`, (seen.get(`${partition}/${m.offset}`) ?? 0) + 1);
        },
      });
      return seen;
    };
    const once = await read(true);
    const again = await read(false);
    await waitFor(() => once.size === 20 && [...again.values()].some((n) => n > 1), { what: 'every record once, and a record again' });
    expect([...once.values()].every((n) => n === 1)).toBe(true);
  });

  it('a throw-away group is deleted on close; closing twice or before start is harmless', async () => {
    const { topic } = await topicWith(1);
    const groupId = uniqueName('door-throwaway');
    const consumer = new BatchConsumer(kafka, { groupId, throwawayGroup: true });
    await consumer.close(); // before start: nothing to leave
    const started = new BatchConsumer(kafka, { groupId, throwawayGroup: true });
    let handed = 0;
    await started.start({ topics: [topic], fromBeginning: true, eachBatch: async ({ messages }) => void (handed += messages.length) });
    await waitFor(() => handed === 1, { what: 'the record' });
    expect(started.liveness.running).toBe(true);
    // committed offsets keep an empty group alive on the broker: only deleting it removes it
    await started.commitOffsets([0, 1].map((partition) => ({ topic, partition, offset: '0' })));
    await Promise.all([started.close(), started.close()]);
    expect(started.liveness.running).toBe(false);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.listGroups();
      expect(groups.map((g) => g.groupId)).not.toContain(groupId);
    } finally {
      await admin.disconnect();
    }
  });
});
