import { createKafka, createProducer, ensureTopics } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { testBrokers, uniqueName } from '@streamtally/test-support';
import { tailCommand } from '../../src/cli/tail-command';
import { formatTopicReports, topicsCommand } from '../../src/cli/topics-command';

// The `topics` and `tail` commands against the real broker: what they return, not what they print.
describe('the topics and tail commands', () => {
  const kafka = createKafka({ brokers: testBrokers(), clientId: 'commands-test', logger: silentLogger() });
  const options = { brokers: testBrokers(), timeoutMs: 10_000 };
  const topic = uniqueName('commands');
  const group = uniqueName('commands-group');

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, numPartitions: 2 }]);
    const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ key: String(i), value: JSON.stringify({ n: i }) })) });
    await producer.disconnect();
    // a group that has read 4 of partition 0's records and none of partition 1's
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '4' }] });
    await admin.disconnect();
  });

  it('topics: partitions, end offsets and each group lag; missing topics named', async () => {
    const missing = uniqueName('not-there');
    const overview = await topicsCommand(kafka, { ...options, names: [topic, missing] });
    expect(overview.missing).toEqual([missing]);
    const [report] = overview.reports;
    expect(report!.partitions.map((p) => p.partition)).toEqual([0, 1]);
    const ends = report!.partitions.map((p) => Number(p.endOffset));
    expect(ends.reduce((a, b) => a + b, 0)).toBe(10);
    // 4 records read on partition 0; nothing committed on partition 1 counts as all unread
    expect(report!.groups).toEqual([{ groupId: group, lag: 10 - 4 }]);
    expect(formatTopicReports(overview)).toContain(`${missing}  (does not exist yet)`);
  });

  it('tail: the records as JSON lines, up to the limit, with JSON values kept structured', async () => {
    const lines: string[] = [];
    const outcome = await tailCommand(kafka, {
      ...options,
      topic,
      fromBeginning: true,
      limit: 10,
      signal: new AbortController().signal,
      write: (l) => lines.push(l) > 0,
    });
    expect(outcome).toEqual({ ok: true, printed: 10 });
    const values = lines.map((l) => (JSON.parse(l) as { value: { n: number } }).value.n).sort((a, b) => a - b);
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('tail: stops when the reader goes away, and says when the topic does not exist', async () => {
    let written = 0;
    const outcome = await tailCommand(kafka, {
      ...options,
      topic,
      fromBeginning: true,
      signal: new AbortController().signal,
      write: () => ++written < 3, // the reader closes after the third line
    });
    expect(outcome).toEqual({ ok: true, printed: 3 });
    const missing = uniqueName('not-there');
    expect(await tailCommand(kafka, { ...options, topic: missing, fromBeginning: true, signal: new AbortController().signal, write: () => true })).toEqual({
      ok: false,
      error: `topic ${missing} does not exist`,
    });
  });
});
