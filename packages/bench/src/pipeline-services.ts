// The services of a pipeline step as processes of their own, with the topics they need.
import { ensureTopics, type Kafka } from '@streamtally/kafka-client';
import type { PipelineSettings } from './pipeline-step';
import { type Started, startLogged } from './processes';

const NODE_FLAGS = ['--max-semi-space-size=8']; // the Dockerfile's, for producer and aggregator

export interface Ports {
  aggregator: number;
  producer: number;
  gateway: number;
  gatewayMetrics: number;
}

export async function createTopics(kafka: Kafka, topics: { input: string; lines: string; results: string }, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [
      { topic: topics.input, numPartitions: partitions },
      { topic: topics.lines, numPartitions: partitions },
      { topic: topics.results, numPartitions: 3, config: { 'cleanup.policy': 'compact' } },
    ]);
  } finally {
    await admin.disconnect();
  }
}

export function startAggregator(
  settings: PipelineSettings,
  run: string,
  topics: { results: string },
  jobs: readonly object[],
  port: number,
  name = 'aggregator',
): Started {
  const env = {
    KAFKA_BROKERS: settings.brokers,
    REDIS_URL: settings.redisUrl,
    JOBS: JSON.stringify(jobs),
    STATE_NAMESPACE: run,
    CONSUMER_GROUP: `${run}-aggregator`,
    RESULTS_TOPIC: topics.results,
    LATE_EVENTS_TOPIC: `${run}-late`,
    DEAD_LETTER_TOPIC: `${run}-aggregator-dlq`,
    TOPIC_PARTITIONS: String(settings.partitions),
    METRICS_PORT: String(port),
    METRICS_HOST: '127.0.0.1',
    ...settings.aggregatorOverrides,
  };
  return startLogged(name, 'services/aggregator/dist/main.js', env, {
    logs: settings.logs,
    flags: NODE_FLAGS,
    profile: settings.profile.has('aggregator'),
  });
}

export function startGateway(settings: PipelineSettings, run: string, resultsTopic: string, ports: Ports): Started {
  const env = {
    KAFKA_BROKERS: settings.brokers,
    RESULTS_TOPIC: resultsTopic,
    HOST: '127.0.0.1',
    PORT: String(ports.gateway),
    METRICS_PORT: String(ports.gatewayMetrics),
    METRICS_HOST: '127.0.0.1',
    MAX_CONNECTIONS: String(settings.clients + 100),
    CONSUMER_GROUP_PREFIX: `${run}-gateway`,
  };
  return startLogged('gateway', 'services/gateway/dist/main.js', env, { logs: settings.logs, profile: settings.profile.has('gateway') });
}

export function startProducer(settings: PipelineSettings, run: string, inputTopic: string, rate: number, port: number): Started {
  const env = {
    KAFKA_BROKERS: settings.brokers,
    INPUT_FILE: settings.file,
    INPUT_TOPIC: inputTopic,
    DEAD_LETTER_TOPIC: `${run}-dlq`,
    TOPIC_PARTITIONS: String(settings.partitions),
    PACE: 'fixed',
    RATE: String(rate),
    LOOP: 'true',
    METRICS_PORT: String(port),
    METRICS_HOST: '127.0.0.1',
  };
  return startLogged('producer', 'services/producer/dist/main.js', env, { logs: settings.logs, flags: NODE_FLAGS, profile: settings.profile.has('producer') });
}
