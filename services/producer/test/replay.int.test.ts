import fs from 'node:fs';
import { decodeUserAction, DeadLetter } from '@streamtally/contracts';
import { readTopic, testBrokers, topicRecordCount } from '@streamtally/test-support';
import { CANONICAL_COLUMNS, createRowParser } from '../src/csv/user-log-row';
import { encodeGeneratedLine, generateUserLog } from '../src/sample-data/generator';
import { createHarness, tempFile } from './support/producer-harness';

describe('replaying a file into the real broker', () => {
  it('a file with N good and M bad rows ends with exactly N keyed events and M dead letters', async () => {
    const lines = [...generateUserLog({ rows: 3000, seed: 5, badRowFraction: 0.05 })];
    const file = tempFile('user_log.csv', Buffer.concat(lines.map(encodeGeneratedLine)));
    const parse = createRowParser(CANONICAL_COLUMNS);
    const good = lines
      .slice(1)
      .map((l, i) => ({ line: i + 2, outcome: parse(l, i + 2) }))
      .filter((r) => r.outcome.ok && !lines[r.line - 1]!.includes('\uFFFD')); // U+FFFD marks bytes written invalid
    const badCount = lines.length - 1 - good.length;
    expect(badCount).toBeGreaterThan(50);

    const { app, config, kafka, registry } = createHarness(testBrokers(), { INPUT_FILE: file, PACE: 'max', BATCH_SIZE: '500' });
    try {
      const summary = await app.replay(new AbortController().signal);
      expect(summary).toMatchObject({ events: good.length, deadLettered: badCount, stoppedBy: 'end of file' });

      const events = await readTopic(kafka, config.INPUT_TOPIC, good.length);
      const letters = await readTopic(kafka, config.DEAD_LETTER_TOPIC, badCount);
      expect(await topicRecordCount(kafka, config.INPUT_TOPIC)).toBe(good.length);
      expect(await topicRecordCount(kafka, config.DEAD_LETTER_TOPIC)).toBe(badCount);

      const byLine = new Map(
        events.map((r) => {
          const decoded = decodeUserAction(r.value);
          if (!decoded.ok) throw new Error(decoded.error);
          expect(r.key).toBe(String(decoded.value.user_id));
          return [decoded.value.line, decoded.value];
        }),
      );
      for (const { line, outcome } of good) {
        if (!outcome.ok) continue;
        const { ts: _ts, ...expected } = outcome.row;
        expect(byLine.get(line)).toMatchObject(expected);
      }
      const dead = letters.map((r) => JSON.parse(r.value!) as DeadLetter);
      expect(dead.every((d) => 'file' in d.source && d.source.file === file && d.reason.length > 0)).toBe(true);
      expect(new Set(dead.map((d) => ('line' in d.source ? d.source.line : 0))).size).toBe(badCount);

      const metrics = await registry.getSingleMetricAsString('streamtally_producer_events_total');
      expect(metrics).toContain(`streamtally_producer_events_total ${good.length}`);
    } finally {
      await app.close();
      fs.rmSync(file);
    }
  });

  it('a file that does not exist stops the run with a clear message before anything is sent', async () => {
    const { app, config, kafka } = createHarness(testBrokers(), { INPUT_FILE: '/nonexistent/user_log.csv' });
    const admin = kafka.admin();
    try {
      await expect(app.replay(new AbortController().signal)).rejects.toThrow('INPUT_FILE /nonexistent/user_log.csv does not exist');
      await admin.connect();
      expect(await admin.listTopics()).not.toContain(config.INPUT_TOPIC);
    } finally {
      await admin.disconnect();
      await app.close();
    }
  });

  it('paces at 200 events/s: 600 events take about 3 s and their times are 5 ms apart', async () => {
    const rows = [...generateUserLog({ rows: 600, seed: 9 })];
    const file = tempFile('paced.csv', rows.join('\n'));
    const { app, config, kafka } = createHarness(testBrokers(), { INPUT_FILE: file, PACE: 'fixed', RATE: '200' });
    try {
      const summary = await app.replay(new AbortController().signal);
      expect(summary.events).toBe(600);
      // the replay's own clock: topic creation and connecting are not part of the pacing
      const rate = 600 / (summary.elapsedMs / 1000);
      expect(rate).toBeGreaterThan(150);
      expect(rate).toBeLessThan(250);
      const times = (await readTopic(kafka, config.INPUT_TOPIC, 600)).map((r) => JSON.parse(r.value!).ts as number).sort((a, b) => a - b);
      expect((times[599]! - times[0]!) / 1000).toBeGreaterThan(2.9);
      expect((times[599]! - times[0]!) / 1000).toBeLessThan(3.2);
    } finally {
      await app.close();
      fs.rmSync(file);
    }
  });
});
