import fs from 'node:fs';
import net from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Where the kernel picks the local ports of outgoing connections (Linux's default when unknown). */
export function ephemeralPorts(rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'): { low: number; high: number } {
  try {
    const [low, high] = fs.readFileSync(rangeFile, 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! <= high!) return { low: low!, high: high! };
  } catch {
    // not Linux, or not readable: the default
  }
  return { low: 32_768, high: 60_999 };
}

/**
 * The first of `count` consecutive free ports (a cluster's nodes take consecutive ports), below
 * the ephemeral range when there is room: a port free when checked but inside that range may be
 * taken by any client's outgoing connection before the server binds it (a three-broker
 * cluster's controller failed so, once, on 43878).
 */
export async function freePortRange(count: number, ephemeral = ephemeralPorts()): Promise<number> {
  const [from, to] = ephemeral.low - count > 12_000 ? [10_000, ephemeral.low - count] : [Math.max(ephemeral.high + 1, 1024), 65_536 - count];
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = from + Math.floor(Math.random() * (to - from));
    let free = true;
    for (let port = base; port < base + count && free; port += 1) free = await isFree(port);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports found between ${from} and ${to + count - 1}`);
}
