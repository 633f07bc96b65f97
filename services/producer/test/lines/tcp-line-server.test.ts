import net from 'node:net';
import { silentLogger } from '@streamtally/observability';
import { waitFor } from '@streamtally/test-support';
import { startTcpLineServer, type TcpLineServer } from '../../src/lines/tcp-line-server';
import { parseProducerConfig } from '../../src/config';

describe('the text-line TCP listener', () => {
  let server: TcpLineServer | undefined;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await server?.close();
  });

  it('listens on loopback unless told otherwise', () => {
    const parsed = parseProducerConfig({ KAFKA_BROKERS: 'k:9092' });
    expect(parsed.ok && [parsed.config.LISTEN_HOST, parsed.config.LISTEN_MAX_CONNECTIONS]).toEqual(['127.0.0.1', 64]);
  });

  it('takes LISTEN_MAX_CONNECTIONS at once; one more is told so and closed, the others keep going', async () => {
    let refused = 0;
    const open = new Set<string>();
    server = await startTcpLineServer(
      { host: '127.0.0.1', port: 0, maxConnections: 2, logger: silentLogger(), onRefused: () => (refused += 1) },
      (socket, source) =>
        new Promise<void>((resolve) => {
          open.add(source);
          socket.on('close', () => resolve());
          socket.resume();
        }),
    );
    const connect = () => {
      const socket = net.connect(server!.port, '127.0.0.1');
      sockets.push(socket);
      return socket;
    };
    connect();
    connect();
    await waitFor(() => open.size === 2, { what: 'two connections taken' });
    const third = connect();
    let said = '';
    third.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await new Promise((resolve) => third.once('close', resolve));
    expect(said).toBe('streamtally: too many connections (2); try again later\n');
    expect(refused).toBe(1);
    expect(sockets.slice(0, 2).every((s) => !s.destroyed)).toBe(true);
  });
});
