import fs from 'node:fs';
import { readTopic, startPrivateBroker, PrivateBroker, topicRecordCount, waitFor } from '@streamtally/test-support';
import { generateUserLog } from '../src/sample-data/generator';
import { createHarness, tempFile } from './support/producer-harness';

// The broker is taken away mid-replay and comes back: the topic must end with every row
// exactly once (idempotent producer + the same batch retried on the same producer).
describe('broker outage mid-replay', () => {
  let broker: PrivateBroker;
  beforeAll(async () => {
    broker = await startPrivateBroker();
  }, 180_000);
  afterAll(async () => {
    await broker?.close();
  }, 60_000);

  it('ends with every row exactly once after the broker stopped and restarted', async () => {
    const rows = 20_000;
    const file = tempFile('outage.csv', [...generateUserLog({ rows, seed: 21 })].join('\n'));
    const { app, config, kafka } = createHarness(broker.brokers, { INPUT_FILE: file, PACE: 'fixed', RATE: '2500', BATCH_SIZE: '200' });
    try {
      let sent = 0;
      const replaying = app.replay(new AbortController().signal, { onEvents: (count) => (sent += count) });
      await waitFor(() => sent > 3000, { what: '3000 rows replayed before the outage' });
      await broker.stop();
      const sentWhenStopped = sent;
      await broker.start();
      const summary = await replaying;
      expect(sentWhenStopped).toBeLessThan(rows);
      expect(summary.events).toBe(rows);

      const records = await readTopic(kafka, config.INPUT_TOPIC, rows, 60_000);
      const lines = records.map((r) => JSON.parse(r.value!).line as number);
      expect(new Set(lines).size).toBe(rows);
      expect(await topicRecordCount(kafka, config.INPUT_TOPIC)).toBe(rows);
    } finally {
      await app.close();
      fs.rmSync(file);
    }
  }, 240_000);
});
