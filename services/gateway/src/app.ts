import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { awaitTopic, type Kafka } from '@streamtally/kafka-client';
import { listenError, sleep, startOpsServer, type OpsServer } from '@streamtally/observability';
import { createDescriptionsConsumer } from './adapters/descriptions-consumer';
import { createResultsConsumer } from './adapters/results-consumer';
import { hubLimitsOf, type GatewayConfig } from './config';
import { Hub } from './domain/hub';
import { WindowStore } from './domain/window-store';
import { buildHttpApp } from './http/http-app';
import { readiness } from './http/routes/health-routes';
import { createGatewayMetrics, hubMetricsOf, initialiseSeries } from './metrics';

export interface GatewayAppDeps {
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
  kafka: Kafka;
}

export interface GatewayStarted {
  /** the public address: the page, /ws, /api, /livez, /readyz */
  address: string;
  /** the port of /metrics (METRICS_PORT, or the one picked for 0) */
  metricsPort: number;
  /** false when stopped while still waiting for the results topic */
  reading: boolean;
}

export interface GatewayApp {
  /**
   * Listens first (a port in use fails at once, and /readyz says "not yet" meanwhile), then
   * waits for the results topic, which the aggregator creates, until `signal` aborts; then
   * reads results.
   */
  start(signal?: AbortSignal): Promise<GatewayStarted>;
  close(): Promise<void>;
}

/** The gateway wired together: used by main.ts and by the tests, so both run the same thing. */
export async function createGatewayApp({ config, logger, registry, kafka }: GatewayAppDeps): Promise<GatewayApp> {
  const metrics = createGatewayMetrics(registry);
  initialiseSeries(metrics);
  const wsLogger = logger.child({ component: 'ws' });
  const hub = new Hub<WebSocket>(new WindowStore(config.HISTORY_PER_JOB), hubLimitsOf(config), hubMetricsOf(metrics), Date.now, (event, details) =>
    wsLogger.warn(details, event),
  );
  const { results, descriptions } = topicReaders({ config, logger, kafka }, hub);
  const consumerState = () => ({ running: results.running && descriptions.running, caughtUp: results.caughtUp });
  let shuttingDown = false;
  const draining = () => shuttingDown;
  const http = await buildHttpApp({ config, logger, metrics, hub, consumerState, draining });
  let ops: OpsServer | undefined;

  return {
    async start(signal) {
      const address = await http.listen({ host: config.HOST, port: config.PORT }).catch((err: unknown) => {
        throw listenError(err, 'PORT', config.HOST, config.PORT);
      });
      logger.info({ address }, 'dashboard and /ws listening');
      ops = await startOpsServer({
        registry,
        port: config.METRICS_PORT,
        host: config.METRICS_HOST,
        health: () => {
          const { ready, status } = readiness({ consumerState, draining });
          return { healthy: ready, details: { why: status, ...consumerState(), clients: hub.clientCount } };
        },
      });
      logger.info({ port: ops.port }, 'serving /metrics, /livez and /readyz');
      const started = { address, metricsPort: ops.port };
      if (!(await awaitTopics({ config, logger, kafka }, signal))) return { ...started, reading: false };
      await descriptions.start();
      await results.start();
      logger.info('reading results');
      return { ...started, reading: true };
    },
    async close() {
      // order: fail readiness (a load balancer stops sending clients), then stop intake
      // (server, sockets closed with 1001), then the consumer, then /metrics
      if (!shuttingDown) {
        shuttingDown = true;
        if (config.DRAIN_DELAY_MS > 0) {
          logger.info({ drainDelayMs: config.DRAIN_DELAY_MS }, 'draining: /readyz fails before the sockets close');
          await sleep(config.DRAIN_DELAY_MS);
        }
      }
      await http.close();
      await results.close();
      await descriptions.close();
      await ops?.close();
    },
  };
}

type Parts = Pick<GatewayAppDeps, 'config' | 'logger' | 'kafka'>;

/** What the gateway reads: the results, and the job descriptions the page builds its panels from; both to the hub. */
function topicReaders({ config, logger, kafka }: Parts, hub: Hub<WebSocket>) {
  const common = { kafka, groupPrefix: config.CONSUMER_GROUP_PREFIX, maxWaitMs: config.FETCH_MAX_WAIT_MS };
  const results = createResultsConsumer({
    ...common,
    topic: config.RESULTS_TOPIC,
    startTimeoutMs: config.BROKER_TIMEOUT_MS,
    logger: logger.child({ component: 'results' }),
    onResults: (results) => hub.onResults(results),
  });
  const descriptions = createDescriptionsConsumer({
    ...common,
    topic: config.JOB_DESCRIPTIONS_TOPIC,
    logger: logger.child({ component: 'jobs' }),
    onDescriptions: (described) => hub.onJobs(described),
  });
  return { results, descriptions };
}

/** The aggregator creates both topics (TOPICS_CREATE): waits for them, or checks they are there; false when stopped first. */
async function awaitTopics({ config, logger, kafka }: Parts, signal: AbortSignal | undefined): Promise<boolean> {
  const needs = [
    { topic: config.RESULTS_TOPIC, setting: 'RESULTS_TOPIC', cleanup: 'compact' },
    { topic: config.JOB_DESCRIPTIONS_TOPIC, setting: 'JOB_DESCRIPTIONS_TOPIC', cleanup: 'compact' },
  ] as const;
  const settings = { create: config.TOPICS_CREATE };
  // each reader's group is a throw-away one under the prefix: asked for one such name
  const prefix = `${config.CONSUMER_GROUP_PREFIX}-`;
  const groups = [{ group: `${prefix}${randomUUID()}`, setting: 'CONSUMER_GROUP_PREFIX', prefix }];
  for (const [i, need] of needs.entries()) {
    const options = { timeoutMs: config.BROKER_TIMEOUT_MS, settings, logger, groups: i === 0 ? groups : [], ...(signal ? { signal } : {}) };
    if (!(await awaitTopic(kafka, need, options))) return false;
  }
  return true;
}
