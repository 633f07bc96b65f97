import { createKafka } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTopic, testBrokers, topicRecordCount, uniqueName } from '@streamtally/test-support';
import { runService } from '../src';

// A topic whose max.message.bytes is smaller than some rows' events: Kafka refuses such a
// record as final (MESSAGE_TOO_LARGE). Regression: the producer retried the whole batch every
// 5 s forever and delivered none of its good rows. Now it reads each topic's limit at start,
// dead-letters what cannot fit and keeps its batches under the limit.
describe('producer and topic size limits', () => {
  const kafka = createKafka({ brokers: testBrokers(), clientId: 'topic-limits-test', logger: silentLogger() });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'topic-limits-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function createTopic(topic: string, maxMessageBytes: number): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }] }],
      });
    } finally {
      await admin.disconnect();
    }
  }

  it('rows whose events exceed the topic limit become dead letters; every other row is delivered', async () => {
    const topic = uniqueName('small-records');
    await createTopic(topic, 2000);
    const rows = Array.from({ length: 300 }, (_, i) => `${i + 1},2,3,4,5,11,11,0,1,0,${i % 30 === 0 ? '省'.repeat(700) : '上海'}`);
    const file = path.join(dir, 'rows.csv');
    fs.writeFileSync(file, rows.join('\n') + '\n');
    const run = runService(
      'producer',
      {
        KAFKA_BROKERS: testBrokers().join(','),
        INPUT_FILE: file,
        INPUT_TOPIC: topic,
        DEAD_LETTER_TOPIC: `${topic}.dlq`,
        PACE: 'max',
        MAX_FIELD_BYTES: '4096',
        MAX_ROW_BYTES: '8192',
        METRICS_PORT: '0',
        PROGRESS: 'off',
        LOG_LEVEL: 'warn',
      },
      [],
    );
    expect(run.status).toBe(0);
    expect(await topicRecordCount(kafka, topic)).toBe(290);
    const letters = (await readTopic(kafka, `${topic}.dlq`, 10)).map((r) => JSON.parse(r.value!) as { reason: string; source: { line: number } });
    expect(letters.map((l) => l.source.line).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i * 30 + 1));
    expect(letters[0]!.reason).toMatch(new RegExp(`^record: \\d+ bytes, more than topic ${topic} takes \\(1488, from its max.message.bytes\\)$`));
  }, 120_000);

  it('a dead-letter topic too small for a dead letter stops start-up with a clear message', async () => {
    const topic = uniqueName('tiny-dlq');
    await createTopic(`${topic}.dlq`, 1024);
    const file = path.join(dir, 'one.csv');
    fs.writeFileSync(file, '1,2,3,4,5,11,11,0,1,0,上海\n');
    const run = runService(
      'producer',
      {
        KAFKA_BROKERS: testBrokers().join(','),
        INPUT_FILE: file,
        INPUT_TOPIC: topic,
        DEAD_LETTER_TOPIC: `${topic}.dlq`,
        METRICS_PORT: '0',
        PROGRESS: 'off',
      },
      [],
    );
    expect(run.status).toBe(1);
    expect(run.output).toContain(
      `streamtally-producer: topic ${topic}.dlq takes records of at most 1024 bytes (max.message.bytes): too small for a dead letter`,
    );
    expect(await topicRecordCount(kafka, topic)).toBe(0);
  }, 60_000);
});
