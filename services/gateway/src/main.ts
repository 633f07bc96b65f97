#!/usr/bin/env node
import { announceConnection, createKafka, kafkaConnectionOf } from '@streamtally/kafka-client';
import { createLogger, createRegistry, firstStopSignal, runMain } from '@streamtally/observability';
import { createGatewayApp } from './app';
import { parseGatewayConfig } from './config';

async function main(): Promise<number> {
  const parsed = parseGatewayConfig(process.env);
  if (!parsed.ok) {
    process.stderr.write(`streamtally-gateway: invalid settings:\n  ${parsed.errors.join('\n  ')}\n`);
    return 2;
  }
  const config = parsed.config;
  const connected = kafkaConnectionOf(config);
  if (!connected.ok) {
    process.stderr.write(`streamtally-gateway: invalid settings:\n  ${connected.errors.join('\n  ')}\n`);
    return 2;
  }
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  const registry = createRegistry('gateway');
  announceConnection(logger, connected.connection);
  const kafka = createKafka({ connection: connected.connection, clientId: config.KAFKA_CLIENT_ID, logger });
  const app = await createGatewayApp({ config, logger, registry, kafka });
  const stopping = new AbortController();
  const stopped = firstStopSignal((signal) => logger.warn({ signal }, 'second signal: exiting without closing')).then((signal) => {
    stopping.abort();
    return signal;
  });
  try {
    await app.start(stopping.signal);
    const signal = await stopped;
    logger.info({ signal }, 'stopping');
    return 0;
  } catch (err) {
    logger.error({ err }, 'gateway failed');
    process.stderr.write(`streamtally-gateway: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await app.close();
  }
}

runMain('streamtally-gateway', main);
