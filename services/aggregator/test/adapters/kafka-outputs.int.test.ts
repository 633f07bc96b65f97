import { createKafka, createProducer } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import type { WindowResult } from '@streamtally/contracts';
import { testBrokers, topicRecordCount, uniqueName } from '@streamtally/test-support';
import { kafkaResultPublisher, OUTPUT_REQUEST_BYTES } from '../../src/adapters/kafka-outputs';

// A catch-up closes thousands of windows at once: all their finals in one request to a
// partition were refused by the broker (over message.max.bytes), on every retry.
describe('writing results to Kafka', () => {
  const kafka = createKafka({ brokers: testBrokers(), clientId: 'outputs-test', logger: silentLogger() });
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  beforeAll(() => producer.connect());
  afterAll(() => producer.disconnect());

  it('writes 3,000 finals of 1 KB to one partition (3 MB, three times the broker limit for a request), every one once', async () => {
    const topic = uniqueName('results');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    const results: WindowResult[] = Array.from({ length: 3000 }, (_, i) => ({
      job: 'routes-hourly',
      windowStart: i * 3_600_000,
      windowEnd: (i + 1) * 3_600_000,
      counts: { [`route-${'x'.repeat(900)}`]: i + 1 },
      final: true,
      version: 3,
      emittedAt: 1,
    }));
    const publish = kafkaResultPublisher(producer, topic, { partitionsOf: () => 1 });
    await publish(results);
    expect(await topicRecordCount(kafka, topic)).toBe(3000);
    expect(3000 * 1000).toBeGreaterThan(3 * 1024 * 1024 - 200_000); // more than the broker takes in one request
    expect(OUTPUT_REQUEST_BYTES).toBeLessThan(1024 * 1024);
  });
});
