import { createKafka } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeUserAction, DeadLetter, WindowResult } from '@streamtally/contracts';
import { freePort, readTopic, testBrokers, testRedisUrl, topicRecordCount, uniqueName, waitFor } from '@streamtally/test-support';
import { hostileUserLog, runService, ServiceProcess, startService } from '../src';

// 20,000 rows, about half malformed in every way the producer must survive, seeded so a
// failure replays (FUZZ_SEED=…). Every good row must be in the input topic exactly once,
// every other row one dead letter with a fitting reason, the producer's memory bounded,
// and the aggregator must go on emitting every job.
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const ROWS = 20_000;

describe(`hostile input, seed ${SEED}`, () => {
  const kafka = createKafka({ brokers: testBrokers(), clientId: 'hostile-input-test', logger: silentLogger() });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
  const topic = uniqueName('hostile-actions');
  const file = hostileUserLog(ROWS, SEED);
  const goodLines = [...file.outcomes].filter(([, o]) => o.kind === 'event').map(([line]) => line);
  const badLines = [...file.outcomes].filter(([, o]) => o.kind === 'dead').map(([line]) => line);
  let producerOutput = '';
  const running: ServiceProcess[] = [];

  beforeAll(() => {
    const input = path.join(dir, 'user_log.csv');
    fs.writeFileSync(input, file.bytes);
    const replay = runService(
      'producer',
      {
        KAFKA_BROKERS: testBrokers().join(','),
        INPUT_FILE: input,
        INPUT_TOPIC: topic,
        DEAD_LETTER_TOPIC: `${topic}.dlq`,
        PACE: 'max',
        TOPIC_PARTITIONS: '3',
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        PROGRESS: 'off',
      },
      [],
    );
    producerOutput = replay.output;
    if (replay.status !== 0) throw new Error(`the producer failed on hostile input:\n${replay.output.slice(-3000)}`);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill('SIGKILL')));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the file really is hostile: about half its rows are bad, of every kind', () => {
    expect(goodLines.length).toBeGreaterThan(ROWS * 0.4);
    expect(badLines.length).toBeGreaterThan(ROWS * 0.4);
    const labels = new Set([...file.outcomes.values()].flatMap((o) => (o.kind === 'dead' ? [o.label] : [])));
    expect(labels.size).toBe(15);
  });

  it('every good row is in the input topic exactly once, as written', async () => {
    expect(await topicRecordCount(kafka, topic)).toBe(goodLines.length);
    const records = await readTopic(kafka, topic, goodLines.length, 60_000);
    const lines = new Map<number, number>();
    for (const record of records) {
      const decoded = decodeUserAction(record.value);
      if (!decoded.ok) throw new Error(decoded.error);
      const expected = file.outcomes.get(decoded.value.line);
      expect({ line: decoded.value.line, userId: decoded.value.user_id }).toEqual({
        line: decoded.value.line,
        userId: expected?.kind === 'event' ? expected.userId : -1,
      });
      lines.set(decoded.value.line, (lines.get(decoded.value.line) ?? 0) + 1);
    }
    expect([...lines.values()].every((n) => n === 1)).toBe(true);
    expect([...lines.keys()].sort((a, b) => a - b)).toEqual(goodLines);
  });

  it('every bad row is one bounded dead letter whose reason names what is wrong', async () => {
    expect(await topicRecordCount(kafka, `${topic}.dlq`)).toBe(badLines.length);
    const letters = await readTopic(kafka, `${topic}.dlq`, badLines.length, 60_000);
    const wrong: string[] = [];
    for (const record of letters) {
      expect(Buffer.byteLength(record.value!)).toBeLessThan(2048);
      const letter = JSON.parse(record.value!) as DeadLetter & { source: { line: number } };
      const expected = file.outcomes.get(letter.source.line);
      if (expected?.kind !== 'dead' || !expected.reason.test(letter.reason))
        wrong.push(`line ${letter.source.line}: "${letter.reason}" (expected ${expected?.kind === 'dead' ? expected.reason : 'an event'})`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(new Set(letters.map((r) => (JSON.parse(r.value!) as { source: { line: number } }).source.line)).size).toBe(badLines.length);
  });

  it("the producer's peak memory stays bounded, 3 MiB line and all", () => {
    const finished = producerOutput.split('\n').find((line) => line.includes('"replay finished"'));
    expect(finished).toBeDefined();
    const { peakRssMb, summary } = JSON.parse(finished!) as { peakRssMb: number; summary: { events: number; deadLettered: number } };
    expect(summary).toMatchObject({ events: goodLines.length, deadLettered: badLines.length });
    expect(peakRssMb).toBeLessThan(200);
  });

  it('the aggregator, reading what the producer let through, emits every job', async () => {
    const run = uniqueName('hostile');
    const jobs = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../services/aggregator/jobs.json'), 'utf8'))
      .filter((job: { format?: string }) => job.format !== 'text-line')
      .map((job: object) => ({ ...job, source: topic }));
    const resultsTopic = `${run}-results`;
    const aggregator = startService('aggregator', {
      KAFKA_BROKERS: testBrokers().join(','),
      REDIS_URL: testRedisUrl(),
      JOBS: JSON.stringify(jobs),
      STATE_NAMESPACE: run.slice(0, 60),
      CONSUMER_GROUP: `${run}-group`,
      RESULTS_TOPIC: resultsTopic,
      LATE_EVENTS_TOPIC: `${run}-late`,
      DEAD_LETTER_TOPIC: `${run}-dlq`,
      METRICS_PORT: String(await freePort()),
      METRICS_HOST: '127.0.0.1',
      IDLE_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'warn',
    });
    running.push(aggregator);
    const names = jobs.map((job: { name: string }) => job.name);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor(async () => (await admin.listTopics()).includes(resultsTopic), { what: 'the results topic', timeoutMs: 60_000, intervalMs: 500 });
    } finally {
      await admin.disconnect();
    }
    const seen = new Set<string>();
    await waitFor(
      async () => {
        for (const record of await readTopic(kafka, resultsTopic, 1, 10_000)) seen.add((JSON.parse(record.value!) as WindowResult).job);
        return names.every((name: string) => seen.has(name));
      },
      { what: `results of every job (${names.join(', ')}; seen ${[...seen].join(', ')})`, timeoutMs: 90_000, intervalMs: 1000 },
    );
    expect([...seen].sort()).toEqual([...names].sort());
    expect(await topicRecordCount(kafka, `${run}-dlq`)).toBe(0); // nothing bad got through the producer
  }, 120_000);
});
