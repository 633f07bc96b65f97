import type { FastifyInstance } from 'fastify';
import type { WindowStore } from '../../domain/window-store';
import { jobsReply, errorReply, windowsParams, windowsReply } from '../schemas';

/** The snapshot API: the jobs with results, and a job's windows (what a subscriber gets first). */
export function apiRoutes(app: FastifyInstance, store: WindowStore): void {
  app.get('/api/jobs', { schema: { response: { 200: jobsReply } } }, () => ({ jobs: store.jobNames() }));
  app.get<{ Params: { job: string } }>(
    '/api/windows/:job',
    { schema: { params: windowsParams, response: { 200: windowsReply, 404: errorReply } } },
    (request, reply) => {
      const windows = store.snapshot(request.params.job);
      if (!windows) {
        return reply.code(404).send({ error: `no results for job "${request.params.job}"; known jobs: ${store.jobNames().join(', ') || 'none yet'}` });
      }
      return { job: request.params.job, windows };
    },
  );
}
