import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { GatewayConfig } from '../config';
import type { Hub } from '../domain/hub';
import type { GatewayMetrics } from '../metrics';
import { hostAllowed, originAllowed } from './access';
import { apiRoutes } from './routes/api-routes';
import { healthRoutes } from './routes/health-routes';
import { pageRoutes } from './routes/page-routes';
import { hasAccess, sessionRoutes, type SessionOptions } from './routes/session-routes';
import { wsRoute } from './routes/ws-route';

export interface HttpDeps {
  config: GatewayConfig;
  logger: Logger;
  metrics: GatewayMetrics;
  hub: Hub<WebSocket>;
  /** consuming at all, and caught up with the topic */
  consumerState(): { running: boolean; caughtUp: boolean };
  /** true once shutdown has begun (readiness fails first) */
  draining(): boolean;
}

/** Probes come from orchestrators by IP address: no Host check for them. */
const PROBES = new Set(['/livez', '/readyz', '/healthz']);

/** Security headers on every reply: the page loads only its own scripts, styles and sockets. */
const SECURITY_HEADERS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' as const },
};

/** A known path asked with another method is 405 (with Allow), an unknown one 404. */
function notFound(app: FastifyInstance) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const url = pathOf(request);
    const known = app.hasRoute({ method: 'GET', url }) || /^\/api\/windows\/[^/]+$/.test(url);
    if (known && request.method !== 'GET' && request.method !== 'HEAD') {
      return reply
        .code(405)
        .header('allow', 'GET, HEAD')
        .send({ error: `${request.method} is not allowed on ${url}; use GET` });
    }
    return reply.code(404).send({ error: `no route ${request.method} ${url}` });
  };
}

/**
 * The gateway's public HTTP side as a Fastify app that tests drive with `inject` (no port):
 * the page, /ws, the API, health. Locked by default: the page's own origin only, known host
 * names only, security headers on every reply, a token (when set) that never stays in a URL.
 * /metrics is never here: it has a port of its own (METRICS_PORT).
 */
export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const { config, hub, metrics } = deps;
  // request lines would drown the logs: warnings and up only
  const level = deps.logger.levelVal > deps.logger.levels.values.warn! ? deps.logger.level : 'warn';
  const app = Fastify({ loggerInstance: deps.logger.child({ component: 'http' }, { level }) as FastifyBaseLogger, bodyLimit: 16 * 1024 });
  const tokens = config.AUTH_TOKEN ?? [];
  const origins =
    config.ALLOWED_ORIGINS === undefined ? undefined : config.ALLOWED_ORIGINS.trim() === '*' ? '*' : config.ALLOWED_ORIGINS.split(',').map((o) => o.trim());
  const session: SessionOptions = { tokens, ttlSeconds: config.SESSION_TTL_SECONDS, onRefused: (reason) => metrics.refused.inc({ reason }) };

  await app.register(helmet, SECURITY_HEADERS);
  // the accepted tokens sign the session cookie: the first signs, any verifies (rotation)
  await app.register(cookie, tokens.length > 0 ? { secret: [...tokens] } : {});
  await app.register(websocket, { options: { maxPayload: config.MAX_MESSAGE_BYTES }, preClose: closeSockets });

  app.addHook('onRequest', async (request, reply) => {
    const url = pathOf(request);
    if (PROBES.has(url) || hostAllowed(request.headers.host, config.ALLOWED_HOSTS)) return;
    return reply.code(403).send({ error: `this gateway does not answer to the host "${request.headers.host ?? ''}" (ALLOWED_HOSTS)` });
  });
  app.addHook('preValidation', async (request, reply) => guard(request, reply));

  async function guard(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const url = pathOf(request);
    const ws = url === '/ws';
    if (!ws && !url.startsWith('/api/')) return;
    if (!originAllowed(request.headers.origin, request.headers.host, origins)) {
      if (ws) metrics.refused.inc({ reason: 'origin' });
      return reply.code(403).send({ error: `origin ${request.headers.origin} is not allowed (ALLOWED_ORIGINS)` });
    }
    if (ws && hub.clientCount >= config.MAX_CONNECTIONS) {
      metrics.refused.inc({ reason: 'capacity' });
      return reply.code(503).send({ error: `the gateway is at its limit of ${config.MAX_CONNECTIONS} connections` });
    }
    if (url === '/api/session' || hasAccess(request, reply, session)) return;
    metrics.refused.inc({ reason: 'unauthorized' });
    const inUrl = new URLSearchParams(request.url.split('?')[1] ?? '').has('token');
    return reply.code(401).send({
      error: inUrl
        ? 'a token is never taken from a URL: send it as Authorization: Bearer, or trade it for a session cookie (POST /api/session)'
        : 'missing or wrong bearer token',
    });
  }

  await pageRoutes(app);
  healthRoutes(app, { consumerState: deps.consumerState, draining: deps.draining, clientCount: () => hub.clientCount });
  sessionRoutes(app, session);
  apiRoutes(app, hub.store, () => hub.jobs);
  wsRoute(app, { hub, pingIntervalMs: config.PING_INTERVAL_MS, logger: deps.logger });

  app.setNotFoundHandler(notFound(app));

  const flusher = setInterval(() => hub.flushHeld(), 50);
  app.addHook('onClose', async () => clearInterval(flusher));
  return app;
}

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0]!;
}

/** The websocket plugin's default closes sockets without a code; browsers should see 1001 and a reason. */
function closeSockets(this: FastifyInstance, done: () => void): void {
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
}
