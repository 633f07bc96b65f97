import type { FastifyInstance } from 'fastify';
import type { JobDescription } from '@streamtally/contracts';
import type { WindowStore } from '../../domain/window-store';
import { jobsReply, errorReply, windowsParams, windowsReply } from '../schemas';

/**
 * The snapshot API: the jobs as the aggregator describes them (source, window, key fields,
 * what each result holds) with the names of those that have results, and a job's windows
 * (what a subscriber gets first).
 */
export function apiRoutes(app: FastifyInstance, store: WindowStore, jobs: () => readonly JobDescription[]): void {
  app.get('/api/jobs', { schema: { response: { 200: jobsReply } } }, () => ({ jobs: jobs(), withResults: store.jobNames() }));
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
