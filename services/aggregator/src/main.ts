#!/usr/bin/env node
import Redis from 'ioredis';
import { createKafka } from '@streamtally/kafka-client';
import { createLogger, createRegistry, firstStopSignal, OpsServer, runMain, startOpsServer } from '@streamtally/observability';
import { createAggregatorApp } from './app';
import { parseAggregatorConfig } from './config';
import { loadJobs } from './jobs/load-jobs';

async function main(): Promise<number> {
  const parsed = parseAggregatorConfig(process.env);
  if (!parsed.ok) {
    process.stderr.write(`streamtally-aggregator: invalid settings:\n  ${parsed.errors.join('\n  ')}\n`);
    return 2;
  }
  const config = parsed.config;
  const loaded = loadJobs(config);
  if (!loaded.ok) {
    process.stderr.write(`streamtally-aggregator: invalid jobs:\n  ${loaded.errors.join('\n  ')}\n`);
    return 2;
  }
  const logger = createLogger({ service: 'aggregator', level: config.LOG_LEVEL });
  const registry = createRegistry('aggregator');
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger });
  // commands fail fast while Redis is away; the processor backs off and retries the batch
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: (n) => Math.min(n * 200, 5000) });
  redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  let connectTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        connectTimer = setTimeout(() => reject(new Error(`Redis at REDIS_URL ${config.REDIS_URL} did not answer within ${config.BROKER_TIMEOUT_MS} ms`)), config.BROKER_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    process.stderr.write(`streamtally-aggregator: ${(err as Error).message}\n`);
    redis.disconnect();
    return 1;
  } finally {
    // a pending timer would keep the process alive after shutdown
    clearTimeout(connectTimer);
  }
  const app = createAggregatorApp({ config, jobs: loaded.jobs, logger, registry, kafka, redis });
  let ops: OpsServer | undefined;
  const stopped = firstStopSignal();
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
