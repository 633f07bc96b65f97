import type { FastifyInstance } from 'fastify';
import { statusReply } from '../schemas';

export interface HealthDeps {
  /** consuming at all, and caught up with the topic */
  consumerState(): { running: boolean; caughtUp: boolean };
  clientCount(): number;
}

/** /healthz (the consumer runs) and /readyz (and has read the results history). */
export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  const reply = { response: { 200: statusReply, 503: statusReply } };
  app.get('/healthz', { schema: reply }, (_request, res) => {
    const { running } = deps.consumerState();
    return res.code(running ? 200 : 503).send({ status: running ? 'ok' : 'consumer not running', clients: deps.clientCount() });
  });
  app.get('/readyz', { schema: reply }, (_request, res) => {
    const { running, caughtUp } = deps.consumerState();
    const ready = running && caughtUp;
    return res.code(ready ? 200 : 503).send({ status: ready ? 'ready' : running ? 'reading results history' : 'consumer not running' });
  });
}
