import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { GatewayConfig } from '../config';
import { Hub } from '../domain/hub';
import { GatewayMetrics } from '../metrics';

export interface GatewayAppDeps {
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
  metrics: GatewayMetrics;
  hub: Hub<WebSocket>;
  /** consuming at all, and caught up with the topic */
  consumerState(): { running: boolean; caughtUp: boolean };
}

const PUBLIC_DIR = path.resolve(__dirname, '../../public');
const VENDOR = {
  'uPlot.iife.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
  'uPlot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
} as const;
const PAGE_FILES = { '/': 'index.html', '/app.js': 'app.js', '/app.css': 'app.css' } as const;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Compares a presented token with the secret in constant time (over their hashes, so the
 * length does not leak either): `!==` stops at the first differing character.
 */
export function sameSecret(presented: string | undefined, secret: string): boolean {
  if (presented === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(secret));
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  const query = request.query as { token?: unknown };
  return typeof query.token === 'string' ? query.token : undefined;
}

/**
 * The gateway's HTTP side as a Fastify app that tests drive with `inject` (no port):
 * the page and its bundled chart library, /ws, the snapshot API, health and metrics.
 */
export async function buildGatewayApp(deps: GatewayAppDeps): Promise<FastifyInstance> {
  const { config, hub, metrics, registry } = deps;
  // request lines would drown the logs (Prometheus scrapes every few seconds): warnings and up only
  const level = deps.logger.levelVal > deps.logger.levels.values.warn! ? deps.logger.level : 'warn';
  const httpLogger = deps.logger.child({ component: 'http' }, { level }) as FastifyBaseLogger;
  const app = Fastify({ loggerInstance: httpLogger, bodyLimit: 16 * 1024 });
  const origins = config.ALLOWED_ORIGINS === '*' ? undefined : new Set(config.ALLOWED_ORIGINS.split(',').map((o) => o.trim()));

  await app.register(websocket, {
    options: { maxPayload: config.MAX_MESSAGE_BYTES },
    // the plugin's default closes sockets without a code; browsers should see 1001 and a reason
    preClose(this: FastifyInstance, done: () => void) {
      const server = this.websocketServer;
      const closing = [...server.clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              client.terminate(); // a peer that does not answer the close handshake
              resolve();
            }, 1000);
            client.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            client.close(1001, 'the gateway is shutting down');
          }),
      );
      void Promise.all(closing).then(() => server.close(() => done()));
    },
  });

  const requireToken = async (request: FastifyRequest, reply: FastifyReply) => {
    if (config.AUTH_TOKEN && !sameSecret(bearerToken(request), config.AUTH_TOKEN)) {
      metrics.refused.inc({ reason: 'unauthorized' });
      return reply.code(401).send({ error: 'missing or wrong bearer token' });
    }
  };

  for (const [route, file] of Object.entries(PAGE_FILES)) {
    const body = fs.readFileSync(path.join(PUBLIC_DIR, file));
    app.get(route, (_request, reply) => reply.type(CONTENT_TYPES[path.extname(file)]!).send(body));
  }
  for (const [name, file] of Object.entries(VENDOR)) {
    const body = fs.readFileSync(file);
    app.get(`/vendor/${name}`, (_request, reply) => reply.type(CONTENT_TYPES[path.extname(name)]!).header('cache-control', 'max-age=86400').send(body));
  }

  app.get('/healthz', (_request, reply) => {
    const { running } = deps.consumerState();
    return reply.code(running ? 200 : 503).send({ status: running ? 'ok' : 'consumer not running', clients: hub.clientCount });
  });
  app.get('/readyz', (_request, reply) => {
    const { running, caughtUp } = deps.consumerState();
    const ready = running && caughtUp;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : running ? 'reading results history' : 'consumer not running' });
  });
  if (config.METRICS_PORT === undefined) {
    // no metrics port of its own: /metrics on the public port, as before METRICS_PORT existed
    app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  }

  app.get('/api/jobs', { preValidation: requireToken }, () => ({ jobs: hub.store.jobNames() }));
  app.get<{ Params: { job: string } }>('/api/windows/:job', { preValidation: requireToken }, (request, reply) => {
    const windows = hub.store.snapshot(request.params.job);
    if (!windows) {
      return reply.code(404).send({ error: `no results for job "${request.params.job}"; known jobs: ${hub.store.jobNames().join(', ') || 'none yet'}` });
    }
    return { job: request.params.job, windows };
  });

  app.get(
    '/ws',
    {
      websocket: true,
      preValidation: async (request, reply) => {
        const origin = request.headers.origin;
        if (origins && origin !== undefined && !origins.has(origin)) {
          metrics.refused.inc({ reason: 'origin' });
          return reply.code(403).send({ error: `origin ${origin} is not allowed` });
        }
        if (hub.clientCount >= config.MAX_CONNECTIONS) {
          metrics.refused.inc({ reason: 'capacity' });
          return reply.code(503).send({ error: `the gateway is at its limit of ${config.MAX_CONNECTIONS} connections` });
        }
        return requireToken(request, reply);
      },
    },
    (socket) => {
      // handlers are attached synchronously so no early frame is lost
      let alive = true;
      hub.connect(socket);
      socket.on('message', (data, isBinary) => hub.onMessage(socket, isBinary ? '' : data.toString(), isBinary));
      socket.on('pong', () => (alive = true));
      socket.on('close', () => {
        clearInterval(pinger);
        hub.disconnect(socket);
      });
      socket.on('error', (err) => deps.logger.debug({ err }, 'websocket error'));
      const pinger = setInterval(() => {
        if (!alive) {
          socket.terminate(); // no pong since the last ping: the peer is gone
          return;
        }
        alive = false;
        socket.ping();
      }, config.PING_INTERVAL_MS);
    },
  );

  // every route is GET (HEAD comes with it): another method on a known path is 405, not 404
  app.setNotFoundHandler((request, reply) => {
    const known = app.hasRoute({ method: 'GET', url: request.url.split('?')[0]! }) || /^\/(api\/windows|vendor)\/[^/]+$/.test(request.url.split('?')[0]!);
    if (known && request.method !== 'GET' && request.method !== 'HEAD') {
      return reply
        .code(405)
        .header('allow', 'GET, HEAD')
        .send({ error: `${request.method} is not allowed on ${request.url.split('?')[0]}; use GET` });
    }
    return reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  const flusher = setInterval(() => hub.flushHeld(), 50);
  app.addHook('onClose', async () => clearInterval(flusher));
  return app;
}
