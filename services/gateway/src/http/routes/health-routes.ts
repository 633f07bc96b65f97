import type { FastifyInstance } from 'fastify';
import { statusReply } from '../schemas';

export interface HealthDeps {
  /** consuming at all, and caught up with the topic */
  consumerState(): { running: boolean; caughtUp: boolean };
  /** true once shutdown has begun: readiness fails before any socket is closed */
  draining(): boolean;
  clientCount(): number;
}

/** Whether the gateway can serve the page now, and why not. */
export function readiness(deps: Pick<HealthDeps, 'consumerState' | 'draining'>): { ready: boolean; status: string } {
  if (deps.draining()) return { ready: false, status: 'draining: shutting down' };
  const { running, caughtUp } = deps.consumerState();
  if (!running) return { ready: false, status: 'consumer not running' };
  if (!caughtUp) return { ready: false, status: 'reading results history' };
  return { ready: true, status: 'ready' };
}

/**
 * /livez: the process answers (never asks Kafka: a broker blip must not get the gateway
 * restarted, it reconnects by itself); /readyz: it can serve the page now (reading, caught up
 * with the results, not shutting down); /healthz: the same as /readyz, the name earlier
 * versions served.
 */
export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  const reply = { response: { 200: statusReply, 503: statusReply } };
  app.get('/livez', { schema: reply }, (_request, res) => res.code(200).send({ status: 'alive', clients: deps.clientCount() }));
  const ready = (_request: unknown, res: import('fastify').FastifyReply) => {
    const { ready, status } = readiness(deps);
    return res.code(ready ? 200 : 503).send({ status, clients: deps.clientCount() });
  };
  app.get('/readyz', { schema: reply }, ready);
  app.get('/healthz', { schema: reply }, ready);
}
