#!/usr/bin/env node
import path from 'node:path';
import type Redis from 'ioredis';
import { announceConnection, createKafka, kafkaConnectionOf, ServiceTopics, topicSettingsOf } from '@streamtally/kafka-client';
import { createLogger, createRegistry, firstStopSignal, OpsServer, runMain, startOpsServer } from '@streamtally/observability';
import { connectRedis, RedisStartupError } from './adapters/redis-connection';
import { redisTargetOf } from './adapters/redis-target';
import { createAggregatorApp } from './app';
import { parseAggregatorConfig, topicConflicts } from './config';
import { loadJobs } from './jobs/load-jobs';
import { recomputeJob } from './lifecycle/register-jobs';
import { JobRegistry } from './state/job-registry';

/** Everything start-up reads before it connects, checked: settings, the Kafka connection, the jobs, the Redis target. */
function startupSettings() {
  const invalid = (what: string, errors: readonly string[]) => ({ ok: false as const, message: `invalid ${what}:\n  ${errors.join('\n  ')}` });
  const parsed = parseAggregatorConfig(process.env);
  if (!parsed.ok) return invalid('settings', parsed.errors);
  const config = parsed.config;
  const connected = kafkaConnectionOf(config);
  if (!connected.ok) return invalid('settings', connected.errors);
  const loaded = loadJobs(config);
  if (!loaded.ok) return invalid('jobs', loaded.errors);
  const conflicts = topicConflicts(
    config,
    loaded.jobs.map((j) => j.source),
  );
  if (conflicts.length > 0) return invalid('settings', conflicts);
  const redisTarget = redisTargetOf(config);
  if (!redisTarget.ok) return invalid('settings', redisTarget.errors);
  return { ok: true as const, config, connection: connected.connection, loaded, redisTarget: redisTarget.target };
}

/** `recompute <job>`: the job's next generation, registered in Redis (see lifecycle/register-jobs). */
async function recompute(name: string | undefined): Promise<number> {
  const settings = startupSettings();
  if (!settings.ok) {
    process.stderr.write(`streamtally-aggregator: ${settings.message}\n`);
    return 2;
  }
  const { config } = settings;
  const logger = createLogger({ service: 'aggregator', level: 'warn' });
  const kafka = createKafka({ connection: settings.connection, clientId: `${config.KAFKA_CLIENT_ID}-recompute`, logger });
  const topics = new ServiceTopics(kafka, { timeoutMs: config.BROKER_TIMEOUT_MS, settings: topicSettingsOf(config), logger });
  const redis = await connectRedis(settings.redisTarget, config.BROKER_TIMEOUT_MS, logger);
  try {
    await topics.prepare([], { offsets: true });
    const outcome = await recomputeJob(settings.loaded.jobs, name, {
      registry: new JobRegistry(redis, config.STATE_NAMESPACE),
      offsetsOf: (topic) => topics.settledOffsetsOf(topic),
      offsetsAt: (topic, ms) => topics.offsetsAt(topic, ms),
      now: Date.now(),
    });
    (outcome.ok ? process.stdout : process.stderr).write(`${outcome.message}\n`);
    return outcome.ok ? 0 : 2;
  } finally {
    await topics.close();
    redis.disconnect();
  }
}

async function main(): Promise<number> {
  if (process.argv[2] === 'recompute') return recompute(process.argv[3]);
  const settings = startupSettings();
  if (!settings.ok) {
    process.stderr.write(`streamtally-aggregator: ${settings.message}\n`);
    return 2;
  }
  const { config, loaded } = settings;
  const logger = createLogger({ service: 'aggregator', level: config.LOG_LEVEL });
  const registry = createRegistry('aggregator');
  announceConnection(logger, settings.connection);
  const kafka = createKafka({ connection: settings.connection, clientId: config.KAFKA_CLIENT_ID, logger });
  let redis: Redis;
  try {
    redis = await connectRedis(settings.redisTarget, config.BROKER_TIMEOUT_MS, logger);
  } catch (err) {
    if (!(err instanceof RedisStartupError)) throw err;
    logger.error({ err: { message: err.message } }, 'redis unusable at start');
    process.stderr.write(`streamtally-aggregator: ${err.message}\n`);
    return 2;
  }
  // the catch-up reader and the emitter on threads of their own, from the same settings and jobs file
  const threads = {
    catchUp: path.join(__dirname, 'lifecycle', 'catch-up-main.js'),
    emitter: path.join(__dirname, 'emitter', 'emitter-main.js'),
    jobsText: loaded.text,
    settings: { ...process.env },
  };
  const app = createAggregatorApp({ config, jobs: loaded.jobs, logger, registry, kafka, redis, threads });
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
