import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKafka, Kafka } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { uniqueName } from '@streamtally/test-support';
import { Registry } from 'prom-client';
import { createProducerApp, ProducerApp } from '../../src/app';
import { parseProducerConfig, ProducerConfig } from '../../src/config';

export interface Harness {
  app: ProducerApp;
  config: ProducerConfig;
  kafka: Kafka;
  registry: Registry;
}

/**
 * The replay thread runs compiled code (a Worker cannot load TypeScript): ./scripts/test
 * builds before Jest runs; run `pnpm build` first when running Jest alone.
 */
export const REPLAY_THREAD_ENTRY = path.join(__dirname, '../../dist/replay-thread-main.js');

/** A producer app on fresh topics, as main.ts would build it. */
export function createHarness(brokers: string[], settings: Record<string, string>): Harness {
  const topic = uniqueName('user-actions');
  const parsed = parseProducerConfig({
    KAFKA_BROKERS: brokers.join(','),
    INPUT_TOPIC: topic,
    DEAD_LETTER_TOPIC: `${topic}.dlq`,
    TEXT_TOPIC: `${topic}-text`,
    TEXT_DEAD_LETTER_TOPIC: `${topic}-text.dlq`,
    TOPIC_PARTITIONS: '3',
    METRICS_PORT: '0',
    BROKER_TIMEOUT_MS: '10000',
    ...settings,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  if (!fs.existsSync(REPLAY_THREAD_ENTRY)) throw new Error(`${REPLAY_THREAD_ENTRY} is missing: build first (pnpm build)`);
  const kafka = createKafka({ brokers, clientId: 'producer-test', logger: silentLogger() });
  const registry = new Registry();
  return {
    app: createProducerApp({ config: parsed.config, logger: silentLogger(), registry, kafka, replayThreadEntry: REPLAY_THREAD_ENTRY }),
    config: parsed.config,
    kafka,
    registry,
  };
}

/** Writes `content` to a fresh temporary file and returns its path. */
export function tempFile(name: string, content: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'producer-test-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
