import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const PUBLIC_DIR = path.resolve(__dirname, '../../../public');
const UPLOT_DIR = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
const VENDOR_FILES = new Set(['/uPlot.iife.min.js', '/uPlot.min.css']);

/** The live page and the chart library it uses, served by the gateway itself (no CDN). */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  // one route per file (no wildcard), so a method other than GET on a page file is a 405
  await app.register(fastifyStatic, { root: PUBLIC_DIR, wildcard: false, index: 'index.html' });
  await app.register(fastifyStatic, {
    root: UPLOT_DIR,
    prefix: '/vendor/',
    wildcard: false,
    decorateReply: false,
    maxAge: 86_400_000,
    allowedPath: (pathname) => VENDOR_FILES.has(pathname),
  });
}
