import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Hub } from '../../domain/hub';

/** /ws: one client of the hub per socket, pinged every `pingIntervalMs`; a peer that missed a pong is dropped. */
export function wsRoute(app: FastifyInstance, deps: { hub: Hub<WebSocket>; pingIntervalMs: number; logger: Logger }): void {
  app.get('/ws', { websocket: true }, (socket) => {
    // handlers are attached synchronously so no early frame is lost
    let alive = true;
    deps.hub.connect(socket);
    socket.on('message', (data, isBinary) => deps.hub.onMessage(socket, isBinary ? '' : data.toString(), isBinary));
    socket.on('pong', () => (alive = true));
    socket.on('close', () => {
      clearInterval(pinger);
      deps.hub.disconnect(socket);
    });
    socket.on('error', (err) => deps.logger.debug({ err }, 'websocket error'));
    const pinger = setInterval(() => {
      if (!alive) {
        socket.terminate(); // no pong since the last ping: the peer is gone
        return;
      }
      alive = false;
      socket.ping();
    }, deps.pingIntervalMs);
  });
}
