#!/usr/bin/env node
import type { WebSocket } from 'ws';
import { createKafka, connectAdmin } from '@streamtally/kafka-client';
import { createLogger, createRegistry, firstStopSignal, listenError, runMain } from '@streamtally/observability';
import { hubLimitsOf, parseGatewayConfig } from './config';
import { createGatewayMetrics, initialiseSeries } from './metrics';
import { Hub } from './domain/hub';
import { WindowStore } from './domain/window-store';
import { createResultsConsumer } from './adapters/results-consumer';
import { buildGatewayApp } from './http/app';

async function main(): Promise<number> {
  const parsed = parseGatewayConfig(process.env);
  if (!parsed.ok) {
    process.stderr.write(`streamtally-gateway: invalid settings:\n  ${parsed.errors.join('\n  ')}\n`);
    return 2;
  }
  const config = parsed.config;
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  const registry = createRegistry('gateway');
  const metrics = createGatewayMetrics(registry);
  initialiseSeries(metrics);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger });
  const wsLogger = logger.child({ component: 'ws' });
  const hub = new Hub<WebSocket>(new WindowStore(config.HISTORY_PER_JOB), hubLimitsOf(config), metrics, Date.now, (event, details) => wsLogger.warn(details, event));
  const results = createResultsConsumer({
    kafka, topic: config.RESULTS_TOPIC, groupPrefix: config.CONSUMER_GROUP_PREFIX, maxWaitMs: config.FETCH_MAX_WAIT_MS, startTimeoutMs: config.BROKER_TIMEOUT_MS,
    logger: logger.child({ component: 'results' }), onResult: (result) => hub.onResult(result),
  });
  const app = await buildGatewayApp({ config, logger, registry, metrics, hub, consumerState: () => ({ running: results.running, caughtUp: results.caughtUp }) });
  const stopped = firstStopSignal();
  try {
    // listening first: a port in use fails at once, and /healthz says "not yet" while the
    // results topic is awaited
    const address = await app.listen({ host: config.HOST, port: config.PORT }).catch((err: unknown) => {
      throw listenError(err, 'PORT', config.HOST, config.PORT);
    });
    logger.info({ address }, 'dashboard and /ws listening');
    const admin = kafka.admin();
    await connectAdmin(admin, config.KAFKA_BROKERS, config.BROKER_TIMEOUT_MS);
    try {
      if (!(await admin.listTopics()).includes(config.RESULTS_TOPIC)) {
        // the aggregator creates it (compacted); waiting for it beats creating it wrongly
        logger.warn({ topic: config.RESULTS_TOPIC }, 'the results topic does not exist yet; waiting for the aggregator to create it');
        const tick = () => new Promise<false>((resolve) => setTimeout(() => resolve(false), 1000));
        while (!(await admin.listTopics()).includes(config.RESULTS_TOPIC)) {
          if (await Promise.race([stopped.then(() => true), tick()])) return 0;
        }
      }
    } finally {
      await admin.disconnect();
    }
    await results.start();
    logger.info('reading results');
    const signal = await stopped;
    logger.info({ signal }, 'stopping');
    return 0;
  } catch (err) {
    logger.error({ err }, 'gateway failed');
    process.stderr.write(`streamtally-gateway: ${(err as Error).message}\n`);
    return 1;
  } finally {
    // order: stop intake (server, sockets closed with 1001), then the consumer
    await app.close();
    await results.close();
  }
}

runMain('streamtally-gateway', main);
