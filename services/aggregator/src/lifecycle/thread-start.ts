import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { createKafka, type Kafka, kafkaConnectionOf } from '@streamtally/kafka-client';
import { createLogger } from '@streamtally/observability';
import { connectRedis } from '../adapters/redis-connection';
import { redisTargetOf } from '../adapters/redis-target';
import { type AggregatorConfig, parseAggregatorConfig } from '../config';
import { parseJobs } from '../jobs/jobs-file';
import { type RunningAs, runningAs } from '../jobs/running-as';
import { RunningJobs } from '../jobs/running-jobs';

/** What each of the aggregator's threads starts from: the aggregator's own settings and jobs file, and its jobs as they run. */
export interface ThreadStartData {
  /** the settings the aggregator's config was parsed from (main.ts: its environment) */
  settings: Record<string, string | undefined>;
  /** the jobs file as the aggregator read it at start */
  jobsText: string;
  /** the jobs the aggregator runs, as it runs them */
  running: RunningAs[];
}

export interface ThreadBasics {
  config: AggregatorConfig;
  logger: Logger;
  jobs: RunningJobs;
  kafka: Kafka;
  redis: Redis;
}

/**
 * A thread's config, logger, jobs, Kafka client (`<KAFKA_CLIENT_ID>-<component>`) and Redis
 * connection, as the aggregator made its own: the same parsing, TLS, ACL user and Sentinels.
 */
export async function startThreadBasics(data: ThreadStartData, component: string): Promise<ThreadBasics> {
  const parsed = parseAggregatorConfig(data.settings);
  const connection = parsed.ok ? kafkaConnectionOf(parsed.config) : undefined;
  const target = parsed.ok ? redisTargetOf(parsed.config) : undefined;
  const jobsFile = parseJobs(JSON.parse(data.jobsText));
  if (!parsed.ok || !connection?.ok || !target?.ok || !jobsFile.ok) throw new Error('the settings or jobs file the aggregator started with no longer parse');
  const config = parsed.config;
  const logger = createLogger({ service: 'aggregator', level: config.LOG_LEVEL }).child({ component });
  const jobs = new RunningJobs(runningAs(jobsFile.jobs, data.running));
  const kafka = createKafka({ connection: connection.connection, clientId: `${config.KAFKA_CLIENT_ID}-${component}`, logger });
  const redis = await connectRedis(target.target, config.BROKER_TIMEOUT_MS, logger);
  return { config, logger, jobs, kafka, redis };
}
