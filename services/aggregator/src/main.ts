#!/usr/bin/env node
import type Redis from 'ioredis';
import { announceConnection, createKafka, kafkaConnectionOf } from '@streamtally/kafka-client';
import { createLogger, createRegistry, firstStopSignal, OpsServer, runMain, startOpsServer } from '@streamtally/observability';
import { connectRedis, RedisStartupError } from './adapters/redis-connection';
import { redisTargetOf } from './adapters/redis-target';
import { createAggregatorApp } from './app';
import { parseAggregatorConfig, topicConflicts } from './config';
import { loadJobs } from './jobs/load-jobs';

async function main(): Promise<number> {
  const parsed = parseAggregatorConfig(process.env);
  if (!parsed.ok) {
    process.stderr.write(`streamtally-aggregator: invalid settings:\n  ${parsed.errors.join('\n  ')}\n`);
    return 2;
  }
  const config = parsed.config;
  const connected = kafkaConnectionOf(config);
  if (!connected.ok) {
    process.stderr.write(`streamtally-aggregator: invalid settings:\n  ${connected.errors.join('\n  ')}\n`);
    return 2;
  }
  const loaded = loadJobs(config);
  if (!loaded.ok) {
    process.stderr.write(`streamtally-aggregator: invalid jobs:\n  ${loaded.errors.join('\n  ')}\n`);
    return 2;
  }
  const conflicts = topicConflicts(
    config,
    loaded.jobs.map((j) => j.source),
  );
  if (conflicts.length > 0) {
    process.stderr.write(`streamtally-aggregator: invalid settings:\n  ${conflicts.join('\n  ')}\n`);
    return 2;
  }
  const redisTarget = redisTargetOf(config);
  if (!redisTarget.ok) {
    process.stderr.write(`streamtally-aggregator: invalid settings:\n  ${redisTarget.errors.join('\n  ')}\n`);
    return 2;
  }
  const logger = createLogger({ service: 'aggregator', level: config.LOG_LEVEL });
  const registry = createRegistry('aggregator');
  announceConnection(logger, connected.connection);
  const kafka = createKafka({ connection: connected.connection, clientId: config.KAFKA_CLIENT_ID, logger });
  let redis: Redis;
  try {
    redis = await connectRedis(redisTarget.target, config.BROKER_TIMEOUT_MS, logger);
  } catch (err) {
    if (!(err instanceof RedisStartupError)) throw err;
    logger.error({ err: { message: err.message } }, 'redis unusable at start');
    process.stderr.write(`streamtally-aggregator: ${err.message}\n`);
    return 2;
  }
  const app = createAggregatorApp({ config, jobs: loaded.jobs, logger, registry, kafka, redis });
  let ops: OpsServer | undefined;
  const stopped = firstStopSignal((signal) => logger.warn({ signal }, 'second signal: exiting without closing'));
  try {
    logger.info({ jobs: loaded.from }, 'jobs loaded');
    await app.start();
    if (config.METRICS_PORT > 0) {
      ops = await startOpsServer({ registry, health: () => app.health(), port: config.METRICS_PORT, host: config.METRICS_HOST });
      logger.info({ port: ops.port }, 'serving /metrics and /healthz');
    }
    const signal = await stopped;
    logger.info({ signal }, 'stopping');
    return 0;
  } catch (err) {
    logger.error({ err }, 'aggregator failed');
    process.stderr.write(`streamtally-aggregator: ${(err as Error).message}\n`);
    return 1;
  } finally {
    // order: stop intake, flush the producer, close Redis (inside app.close), then the endpoint
    await app.close();
    await ops?.close();
  }
}

runMain('streamtally-aggregator', main);
