import { createKafka } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testBrokers, topicRecordCount, uniqueName, waitFor } from '@streamtally/test-support';
import { entryPoint, runService, startService } from '../src';

// The producer as an operator runs it: SIGTERM mid-replay flushes what was read, exits 0,
// and its summary matches what is in the topic.
describe('producer process', () => {
  const kafka = createKafka({ brokers: testBrokers(), clientId: 'signal-test', logger: silentLogger() });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'producer-signal-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM flushes what was read, exits 0 and reports a summary that matches the topic', async () => {
    const file = path.join(dir, 'log.csv');
    expect(runService('producer', {}, ['generate', '--rows', '2000', '--out', file]).status).toBe(0);
    const topic = uniqueName('signal');
    const producer = startService('producer', {
      KAFKA_BROKERS: testBrokers().join(','),
      INPUT_FILE: file,
      INPUT_TOPIC: topic,
      DEAD_LETTER_TOPIC: `${topic}.dlq`,
      PACE: 'fixed',
      RATE: '300',
      LOOP: 'true',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    });
    await waitFor(async () => (await topicRecordCount(kafka, topic).catch(() => 0)) > 300, { what: 'some events sent', timeoutMs: 30_000 });
    expect(await producer.kill('SIGTERM')).toBe(0);
    const summaryLine = producer
      .output()
      .split('\n')
      .find((line) => line.includes('"replay finished"'));
    expect(summaryLine).toBeDefined();
    const { summary } = JSON.parse(summaryLine!);
    expect(summary.stoppedBy).toBe('signal');
    expect(await topicRecordCount(kafka, topic)).toBe(summary.events);
  });

  it('`tail <topic> | head` ends quietly when head closes the pipe (EPIPE): exit 0, no stack', () => {
    const file = path.join(dir, 'tail.csv');
    expect(runService('producer', {}, ['generate', '--rows', '500', '--out', file]).status).toBe(0);
    const topic = uniqueName('tail');
    const env = { KAFKA_BROKERS: testBrokers().join(','), INPUT_TOPIC: topic, DEAD_LETTER_TOPIC: `${topic}.dlq`, METRICS_PORT: '0', PROGRESS: 'off' };
    expect(runService('producer', { ...env, INPUT_FILE: file, PACE: 'max', LOG_LEVEL: 'warn' }, []).status).toBe(0);
    const piped = spawnSync(
      'bash',
      ['-o', 'pipefail', '-c', `"${process.execPath}" "${entryPoint('producer')}" tail "${topic}" --from-beginning | head -n 2`],
      {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(piped.stdout.trim().split('\n')).toHaveLength(2);
    expect(piped.stderr).not.toMatch(/EPIPE|^\s+at /m);
    expect(piped.status).toBe(0);
  });

  // under `docker compose run`, `tail | head` breaks the docker client's pipe, never the
  // container's: the end of stdin is the only sign the reader went away
  it('with TAIL_ENDS_WITH_STDIN, `tail` ends (exit 0) when its stdin closes; without it, a closed stdin changes nothing', async () => {
    const topic = uniqueName('tail-stdin');
    const env = { KAFKA_BROKERS: testBrokers().join(','), INPUT_TOPIC: topic, DEAD_LETTER_TOPIC: `${topic}.dlq`, METRICS_PORT: '0', PROGRESS: 'off' };
    const file = path.join(dir, 'tail-stdin.csv');
    expect(runService('producer', {}, ['generate', '--rows', '50', '--out', file]).status).toBe(0);
    expect(runService('producer', { ...env, INPUT_FILE: file, PACE: 'max', LOG_LEVEL: 'warn' }, []).status).toBe(0);
    const tailing = (extra: Record<string, string>) => {
      const child = spawn(process.execPath, [entryPoint('producer'), 'tail', topic, '--from-beginning'], {
        env: { PATH: process.env.PATH ?? '', ...env, ...extra },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, exited, lines: () => out.split('\n').filter(Boolean).length };
    };
    const watching = tailing({ TAIL_ENDS_WITH_STDIN: 'true' });
    const plain = tailing({});
    try {
      await waitFor(() => watching.lines() === 50 && plain.lines() === 50, { timeoutMs: 30_000, what: 'both tails to print the 50 records' });
      watching.child.stdin.end();
      plain.child.stdin.end();
      expect(await watching.exited).toBe(0);
      // the other one tails on: still running well after the first has gone
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(plain.child.exitCode).toBeNull();
    } finally {
      plain.child.kill('SIGTERM');
      watching.child.kill('SIGTERM');
      await Promise.all([plain.exited, watching.exited]);
    }
  }, 60_000);

  it('a missing file stops it with a clear message and exit code 1 before anything is sent', () => {
    const result = runService('producer', { KAFKA_BROKERS: testBrokers().join(','), INPUT_FILE: '/nope/log.csv', METRICS_PORT: '0' }, []);
    expect(result.status).toBe(1);
    expect(result.output).toContain('INPUT_FILE /nope/log.csv does not exist');
  });

  it('a bad setting stops it naming the variable, with exit code 2', () => {
    const result = runService('producer', { KAFKA_BROKERS: 'kafka:9092', RATE: 'fast' }, []);
    expect(result.status).toBe(2);
    expect(result.output).toContain('RATE (--rate)');
  });
});
