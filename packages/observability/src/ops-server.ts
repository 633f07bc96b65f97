import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';

export interface HealthReport {
  /** ready: the service can do its job now (connected, not stalled) */
  healthy: boolean;
  /** shown in the /readyz body so an operator sees why */
  details: Record<string, unknown>;
}

export interface OpsServerOptions {
  registry: Registry;
  /** readiness, for /readyz (and /healthz, its older name) */
  health: () => HealthReport | Promise<HealthReport>;
  port: number;
  host: string;
  /** the setting that chose the port, named when it is taken (default METRICS_PORT) */
  portSetting?: string;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * /metrics (Prometheus text) and the probes for services without an HTTP framework of their own:
 * - /metrics?name[]=a&name[]=b: only the metrics named (those that exist), as Prometheus's Java
 *   and Python clients filter: a script polling a counter many times a second then costs the
 *   service a few lines, not the whole registry (all of it, 35–55 KB, took the aggregator about
 *   2 ms a request: docs/benchmarks.md, session 29).
 * - /livez: 200 while the process serves requests at all. It never asks Kafka or Redis: a
 *   liveness probe that did would restart a healthy process on every broker or Redis blip,
 *   which the process rides out by itself (it retries, and exits when it cannot go on).
 * - /readyz: 200 or 503 with JSON details: whether it can do its job now (`health`).
 * - /healthz: the same as /readyz, the name earlier versions served.
 */
export async function startOpsServer({ registry, health, port, host, portSetting = 'METRICS_PORT' }: OpsServerOptions): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    void respond(req.url ?? '/', res);
  });
  async function respond(target: string, res: http.ServerResponse): Promise<void> {
    try {
      const { pathname: url, searchParams } = new URL(target, 'http://ops');
      if (url === '/metrics') {
        const names = searchParams.getAll('name[]');
        const body = names.length === 0 ? await registry.metrics() : await metricsNamed(registry, names);
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(body);
      } else if (url === '/livez') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'alive', uptimeSeconds: Math.round(process.uptime()) }));
      } else if (url === '/readyz' || url === '/healthz') {
        const report = await health();
        res.writeHead(report.healthy ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: report.healthy ? 'ok' : 'not ready', ...report.details }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `no route ${url}; try /metrics, /livez or /readyz` }));
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (err as Error).message }));
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenError(err, portSetting, host, port)));
    server.listen(port, host, () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** A listen failure as an operator needs it: which setting, which address, what to do. */
export function listenError(err: unknown, setting: string, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new Error(`${setting} ${port}: the port is already in use on ${host}; set ${setting} to a free port`, { cause: err });
  if (code === 'EACCES') return new Error(`${setting} ${port}: not allowed to listen on ${host}:${port}`, { cause: err });
  if (code === 'EADDRNOTAVAIL') return new Error(`${setting} ${port}: ${host} is not an address of this machine`, { cause: err });
  return err as Error;
}

/** The metrics of `registry` named, in Prometheus text as registry.metrics() writes it; a name it has not, left out. */
async function metricsNamed(registry: Registry, names: readonly string[]): Promise<string> {
  const known = [...new Set(names)].filter((name) => registry.getSingleMetric(name) !== undefined);
  const texts = await Promise.all(known.map((name) => registry.getSingleMetricAsString(name)));
  return texts.length === 0 ? '' : `${texts.join('\n\n')}\n`;
}
