import { listenError } from '@streamtally/observability';
import net from 'node:net';
import type { Logger } from 'pino';

export interface TcpLineServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Accepts any number of connections (like `nc -lk`) and hands each socket to `onConnection`,
 * which reads it to the end; a failing connection is logged and never stops the server.
 */
export async function startTcpLineServer(
  { host, port, logger }: { host: string; port: number; logger: Logger },
  onConnection: (socket: net.Socket, source: string) => Promise<void>,
): Promise<TcpLineServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
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
