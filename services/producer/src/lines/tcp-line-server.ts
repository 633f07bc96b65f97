import { listenError } from '@streamtally/observability';
import net from 'node:net';
import type { Logger } from 'pino';

export interface TcpLineServer {
  port: number;
  close(): Promise<void>;
}

export interface TcpLineServerOptions {
  host: string;
  port: number;
  /** connections open at once; one more is told so and closed */
  maxConnections: number;
  logger: Logger;
  onRefused?(): void;
}

/**
 * Accepts connections (like `nc -lk`), up to `maxConnections` at once, and hands each socket
 * to `onConnection`, which reads it to the end; a failing connection is logged and never
 * stops the server.
 */
export async function startTcpLineServer(
  { host, port, maxConnections, logger, onRefused }: TcpLineServerOptions,
  onConnection: (socket: net.Socket, source: string) => Promise<void>,
): Promise<TcpLineServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    if (sockets.size >= maxConnections) {
      onRefused?.();
      logger.warn(
        { source: `tcp:${socket.remoteAddress}:${socket.remotePort}`, maxConnections },
        'text source refused: too many connections (LISTEN_MAX_CONNECTIONS)',
      );
      socket.end(`streamtally: too many connections (${maxConnections}); try again later\n`);
      socket.on('error', () => undefined);
      return;
    }
    sockets.add(socket);
    const source = `tcp:${socket.remoteAddress}:${socket.remotePort}`;
    logger.info({ source }, 'text source connected');
    onConnection(socket, source)
      .catch((err) => logger.error({ err, source }, 'text source failed'))
      .finally(() => {
        sockets.delete(socket);
        logger.info({ source }, 'text source disconnected');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenError(err, 'LISTEN_PORT', host, port)));
    server.listen(port, host, () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.end();
      });
      return closing;
    },
  };
}
