import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createKafka } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { freePort, testBrokers, testRedisUrl, topicRecordCount, uniqueName } from '@streamtally/test-support';
import { runService, ServiceName } from '../src';

// What an operator sees when a setting is wrong or a dependency is away: the built services
// as processes, each failure one line naming the variable, no stack trace, a bounded wait.
const STACK_FRAME = /^\s+at /m;

function run(service: ServiceName, env: Record<string, string>) {
  const started = Date.now();
  const result = runService(service, { LOG_LEVEL: 'warn', ...env }, []);
  return { ...result, ms: Date.now() - started, stderr: result.output };
}

async function withBusyPort<T>(use: (port: number) => T): Promise<T> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return use((server.address() as net.AddressInfo).port);
  } finally {
    server.close();
  }
}

describe('start-up errors', () => {
  it('a dead broker: the producer gives up within BROKER_TIMEOUT_MS and a small margin, naming KAFKA_BROKERS', async () => {
    const port = await freePort();
    const result = run('producer', { KAFKA_BROKERS: `127.0.0.1:${port}`, BROKER_TIMEOUT_MS: '2000', METRICS_PORT: '0', PROGRESS: 'off' });
    expect(result.status).toBe(1);
    expect(result.ms).toBeLessThan(2000 + 5000);
    expect(result.output).toContain(`streamtally-producer: no Kafka broker answered at 127.0.0.1:${port} within 2000 ms (KAFKA_BROKERS)`);
    expect(result.output).not.toMatch(/"level":"error".*ECONNREFUSED/); // kafkajs's retries are warnings
  });

  it.each([
    ['producer', { KAFKA_BROKERS: 'kafka:99999' }, 'KAFKA_BROKERS (--brokers): expected host:port[,host:port...] with ports 1-65535'],
    ['producer', { INPUT_TOPIC: 'same', DEAD_LETTER_TOPIC: 'same' }, 'DEAD_LETTER_TOPIC (--dlq-topic): must differ from INPUT_TOPIC ("same")'],
    ['gateway', { ALLOWED_ORIGINS: 'dash.example.com' }, 'ALLOWED_ORIGINS: expected * or comma-separated origins with a scheme'],
    ['gateway', { PORT: '70000' }, 'PORT: '],
    ['aggregator', { REDIS_URL: 'redis://127.0.0.1:6379/zero' }, 'REDIS_URL: the database after the host must be a number'],
    ['aggregator', { REDIS_URL: 'localhost:6379' }, 'REDIS_URL: expected redis://host:port[/db]'],
    ['aggregator', { RESULTS_TOPIC: 'user-actions' }, 'RESULTS_TOPIC: "user-actions" is also a job\'s source topic'],
  ] as [ServiceName, Record<string, string>, string][])('%s with %j stops at once (exit 2) naming the variable', (service, env, message) => {
    const result = run(service, { KAFKA_BROKERS: testBrokers().join(','), REDIS_URL: testRedisUrl(), METRICS_PORT: '0', ...env });
    expect(result.status).toBe(2);
    expect(result.output).toContain(message);
    expect(result.output).not.toMatch(STACK_FRAME);
  });

  it('recompute with a name that is not a job: exit 2, naming the jobs there are; of a job that never ran here: exit 2, saying so', () => {
    const env = { LOG_LEVEL: 'warn', KAFKA_BROKERS: testBrokers().join(','), REDIS_URL: testRedisUrl(), STATE_NAMESPACE: uniqueName('recompute') };
    const typo = runService('aggregator', env, ['recompute', 'gender-per-secnd']);
    expect(typo.status).toBe(2);
    expect(typo.output).toContain('recompute: "gender-per-secnd" is not a job of the jobs file (its jobs: gender-per-second, ');
    const never = runService('aggregator', env, ['recompute', 'gender-per-second']);
    expect(never.status).toBe(2);
    expect(never.output).toContain('recompute: "gender-per-second" has never run with this STATE_NAMESPACE');
    expect(`${typo.output}${never.output}`).not.toMatch(STACK_FRAME);
  });

  it.each([
    ['a database out of range', (url: string) => `${url}/99`, 'database 99 cannot be used (ERR DB index is out of range)'],
    ['nothing listening', () => 'redis://127.0.0.1:1', 'connect ECONNREFUSED 127.0.0.1:1'],
  ])('Redis with %s: one line naming REDIS_URL and the address, exit 2', (_case, urlOf, reason) => {
    const url = urlOf(testRedisUrl().replace(/\/\d*$/, ''));
    const result = run('aggregator', { KAFKA_BROKERS: testBrokers().join(','), REDIS_URL: url, BROKER_TIMEOUT_MS: '2000', METRICS_PORT: '0' });
    expect(result.status).toBe(2);
    expect(result.output).toContain(`streamtally-aggregator: REDIS_URL ${url}: ${reason}`);
    expect(result.output).not.toMatch(STACK_FRAME);
    expect(result.ms).toBeLessThan(2000 + 5000);
  });

  it.each([
    ['producer', 'METRICS_PORT', { PROGRESS: 'off', INPUT_TOPIC: uniqueName('busy'), DEAD_LETTER_TOPIC: uniqueName('busy-dlq'), LIMIT: '1' }],
    ['aggregator', 'METRICS_PORT', { STATE_NAMESPACE: uniqueName('busy').slice(0, 40), CONSUMER_GROUP: uniqueName('busy') }],
    ['gateway', 'PORT', { RESULTS_TOPIC: uniqueName('busy-results') }],
  ] as [ServiceName, string, Record<string, string>][])('%s: a port in use names %s', async (service, setting, env) => {
    const result = await withBusyPort((port) =>
      run(service, {
        KAFKA_BROKERS: testBrokers().join(','),
        REDIS_URL: testRedisUrl(),
        METRICS_PORT: '0',
        ...env,
        [setting]: String(port),
        HOST: '127.0.0.1',
        METRICS_HOST: '127.0.0.1',
      }),
    );
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(new RegExp(`${setting} \\d+: the port is already in use on 127\\.0\\.0\\.1; set ${setting} to a free port`));
  });

  it('a file of the wrong shape under LOOP=true: 1,000 dead letters, not a flood; one line naming the first refused row; exit 3', async () => {
    // measured before the guard: a three-column CSV under LOOP=true wrote 936,672 dead letters in 40 s and went on
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wrong-shape-'));
    const file = path.join(dir, 'export.csv');
    fs.writeFileSync(file, ['id,name,amount', ...Array.from({ length: 20_000 }, (_, i) => `${i},item ${i},${i * 3}`)].join('\n') + '\n');
    const dlq = uniqueName('wrong-shape-dlq');
    try {
      const result = run('producer', {
        KAFKA_BROKERS: testBrokers().join(','),
        INPUT_FILE: file,
        INPUT_TOPIC: uniqueName('wrong-shape'),
        DEAD_LETTER_TOPIC: dlq,
        PACE: 'max',
        LOOP: 'true',
        METRICS_PORT: '0',
        PROGRESS: 'off',
      });
      expect(result.status).toBe(3);
      expect(result.output).toContain(`streamtally-producer: the replay stopped: is INPUT_FILE ${file} the right file? Line 1: column_count:`);
      expect(result.output).toContain('(1000 row(s) refused; MAX_REFUSED_FRACTION 0.9)');
      expect(result.output).not.toMatch(STACK_FRAME);
      const kafka = createKafka({ brokers: testBrokers(), clientId: 'wrong-shape', logger: silentLogger() });
      expect(await topicRecordCount(kafka, dlq)).toBe(1000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("a declared source's CSV without a declared column: stops at its header, one dead letter, one line naming the columns; exit 3", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wrong-header-'));
    const file = path.join(dir, 'export.csv');
    fs.writeFileSync(file, ['id,name,amount', ...Array.from({ length: 5000 }, (_, i) => `${i},item ${i},${i * 3}`)].join('\n') + '\n');
    const sourceFile = path.join(dir, 'source.json');
    const topic = uniqueName('wrong-header');
    const source = { name: 'orders', topic, format: 'json', fields: { at: { column: 'Ordered At', type: 'timestamp', format: 'iso-8601' } }, time: 'at' };
    fs.writeFileSync(sourceFile, JSON.stringify(source));
    try {
      const result = run('producer', {
        KAFKA_BROKERS: testBrokers().join(','),
        SOURCE_FILE: sourceFile,
        INPUT_FILE: file,
        PACE: 'max',
        LOOP: 'true',
        METRICS_PORT: '0',
        PROGRESS: 'off',
      });
      expect(result.status).toBe(3);
      expect(result.output).toContain(
        `streamtally-producer: the replay stopped: is INPUT_FILE ${file} the right file? Line 1: bad_header: the header has no column "Ordered At" (field at); its columns are "id", "name", "amount"`,
      );
      expect(result.output).not.toMatch(STACK_FRAME);
      const kafka = createKafka({ brokers: testBrokers(), clientId: 'wrong-header', logger: silentLogger() });
      expect(await topicRecordCount(kafka, `${topic}.dlq`)).toBe(1);
      expect(await topicRecordCount(kafka, topic)).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
