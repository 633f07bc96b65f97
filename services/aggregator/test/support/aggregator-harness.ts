import path from 'node:path';
import Redis from 'ioredis';
import { createKafka, createProducer, Kafka } from '@streamtally/kafka-client';
import { createLogger, silentLogger } from '@streamtally/observability';

/** AGGREGATOR_TEST_LOG=debug (or info…): the aggregator's own log on stdout, to see why a test waits */
const appLogger = () => (process.env.AGGREGATOR_TEST_LOG ? createLogger({ service: 'aggregator', level: process.env.AGGREGATOR_TEST_LOG }) : silentLogger());
import { testBrokers, testRedisUrl, uniqueName } from '@streamtally/test-support';
import { Registry } from 'prom-client';
import { supersedes, WindowResult } from '@streamtally/contracts';
import { connectRedis as connectToRedis } from '../../src/adapters/redis-connection';
import { redisTargetOf } from '../../src/adapters/redis-target';
import { AggregatorApp, createAggregatorApp } from '../../src/app';
import { AggregatorConfig, parseAggregatorConfig } from '../../src/config';
import { parseJobs } from '../../src/jobs/jobs-file';

export interface AggregatorHarness {
  readonly app: AggregatorApp;
  config: AggregatorConfig;
  kafka: Kafka;
  redis: Redis;
  registry: Registry;
  /** writes JSON values with explicit partitions to a topic */
  write(topic: string, records: { partition: number; value: unknown }[]): Promise<void>;
  /** writes values as they are (bytes, text, or no value), in requests of at most 2,000 */
  writeRaw(topic: string, records: { partition: number; value: Buffer | string | null }[]): Promise<void>;
  /** the highest version per result key seen so far on the results topic */
  latestResults(): Map<string, WindowResult>;
  /** every result read from the results topic, in the order read */
  resultsSeen(): WindowResult[];
  /** closes the aggregator and starts a new one on the same topics, group and Redis state (with other jobs, when given) */
  restart(jobDefinitions?: unknown): Promise<void>;
  close(): Promise<void>;
}

/** The catch-up thread's script as built (./scripts/test builds before Jest runs). */
const CATCH_UP_SCRIPT = path.join(__dirname, '../../dist/lifecycle/catch-up-main.js');
/** The emitter thread's script as built. */
const EMITTER_SCRIPT = path.join(__dirname, '../../dist/emitter/emitter-main.js');

/** An aggregator on fresh topics, group and Redis namespace, as main.ts would build it. */
export async function startAggregator(
  jobDefinitions: unknown,
  settings: Record<string, string> = {},
  options: { catchUpThread?: boolean; emitterThread?: boolean } = {},
): Promise<AggregatorHarness> {
  const jobsOf = (definitions: unknown) => {
    const parsedJobs = parseJobs(definitions);
    if (!parsedJobs.ok) throw new Error(parsedJobs.errors.join('; '));
    return parsedJobs.jobs;
  };
  let jobs = jobsOf(jobDefinitions);
  const id = uniqueName('agg');
  const values = {
    KAFKA_BROKERS: testBrokers().join(','),
    ...(settings.REDIS_SENTINELS ? {} : { REDIS_URL: testRedisUrl() }),
    CONSUMER_GROUP: `${id}-group`,
    STATE_NAMESPACE: id,
    RESULTS_TOPIC: `${id}-results`,
    LATE_EVENTS_TOPIC: `${id}-late`,
    DEAD_LETTER_TOPIC: `${id}-dlq`,
    JOB_DESCRIPTIONS_TOPIC: `${id}-jobs`,
    TOPIC_PARTITIONS: '2',
    IDLE_TIMEOUT_MS: '1000',
    EMIT_TICK_MS: '50',
    SESSION_TIMEOUT_MS: '6000',
    BROKER_TIMEOUT_MS: '10000',
    ...settings,
  };
  const parsed = parseAggregatorConfig(values);
  // as main.ts runs the catch-up reader and the emitter, when asked: on threads of their own, from the built scripts
  let definitions = jobDefinitions;
  // the thread logs as quietly as the harness's own logger (it has none handed in)
  const threadSettings = { LOG_LEVEL: 'silent', ...values };
  const thread = () =>
    options.catchUpThread || options.emitterThread
      ? {
          threads: {
            ...(options.catchUpThread ? { catchUp: CATCH_UP_SCRIPT } : {}),
            ...(options.emitterThread ? { emitter: EMITTER_SCRIPT } : {}),
            jobsText: JSON.stringify(definitions),
            settings: threadSettings,
          },
        }
      : {};
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const kafka = createKafka({ brokers: testBrokers(), clientId: id, logger: silentLogger() });
  const config = parsed.config;
  // as main.ts connects (a URL, or Sentinels), quietly: outages are part of some tests
  const target = redisTargetOf(config);
  if (!target.ok) throw new Error(target.errors.join('; '));
  const connectRedis = () => connectToRedis(target.target, 10_000, silentLogger());
  let redis = await connectRedis();
  let registry = new Registry();
  let app = createAggregatorApp({ config: parsed.config, jobs, logger: appLogger(), registry, kafka, redis, ...thread() });
  await app.start();
  // idempotent: kafkajs retries a whole request when one partition of it fails (a leader not
  // yet known on a new topic), so a plain producer writes the partitions that had succeeded
  // twice; seen in CI as one partition of a word-count test's input counted twice
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const latest = new Map<string, WindowResult>();
  const seen: WindowResult[] = [];
  const reader = kafka.consumer({ groupId: `${id}-reader`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topic: parsed.config.RESULTS_TOPIC, fromBeginning: true });
  await reader.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const result = JSON.parse(String(message.value)) as WindowResult;
      seen.push(result);
      const key = String(message.key);
      if (supersedes(result, latest.get(key))) latest.set(key, result);
    },
  });
  return {
    get app() {
      return app;
    },
    config: parsed.config,
    kafka,
    // the running aggregator's client: a restart closes the old one
    get redis() {
      return redis;
    },
    // the running aggregator's metrics: a restart starts a new registry
    get registry() {
      return registry;
    },
    async restart(jobDefinitions?: unknown) {
      await app.close(); // it disconnects its Redis client: the next one gets a new client
      if (jobDefinitions !== undefined) jobs = jobsOf((definitions = jobDefinitions));
      app = createAggregatorApp({
        ...thread(),
        config: parsed.config,
        jobs,
        logger: appLogger(),
        registry: (registry = new Registry()),
        kafka,
        redis: (redis = await connectRedis()),
      });
      await app.start();
    },
    async write(topic, records) {
      await producer.send({ topic, acks: -1, messages: records.map((r) => ({ partition: r.partition, value: JSON.stringify(r.value) })) });
    },
    async writeRaw(topic, records) {
      for (let at = 0; at < records.length; at += 2000) {
        await producer.send({ topic, acks: -1, messages: records.slice(at, at + 2000).map((r) => ({ partition: r.partition, value: r.value })) });
      }
    },
    latestResults: () => latest,
    resultsSeen: () => seen,
    async close() {
      await reader.disconnect();
      await producer.disconnect();
      await app.close();
      const cleanup = await connectRedis();
      try {
        // SCAN, not KEYS: the aggregator's least-privilege Redis user may not run KEYS (@dangerous)
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, found] = await cleanup.scan(cursor, 'MATCH', `st:{${id}}:*`, 'COUNT', 1000);
          cursor = next;
          keys.push(...found);
        } while (cursor !== '0');
        if (keys.length > 0) await cleanup.del(...keys);
      } finally {
        cleanup.disconnect(); // also when the clean-up fails: a client left open keeps Jest from exiting
      }
    },
  };
}

/** Every event a result counts: its listed keys' and the folded ones' (versions count changes, not events). */
export function eventsIn(result: WindowResult | undefined): number {
  if (!result) return 0;
  return Object.values(result.counts).reduce((a, b) => a + b, 0) + (result.other?.count ?? 0);
}
