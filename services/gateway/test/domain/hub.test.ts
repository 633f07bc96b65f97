import { Registry } from 'prom-client';
import { WindowResult } from '@streamtally/contracts';
import { Peer } from '../../src/domain/delivery';
import { Hub } from '../../src/domain/hub';
import { WindowStore } from '../../src/domain/window-store';
import { createGatewayMetrics } from '../../src/metrics';

class TestPeer implements Peer {
  bufferedAmount = 0;
  sent: string[] = [];
  closed?: number;
  send(frame: string) {
    this.sent.push(frame);
  }
  close(code: number) {
    this.closed = code;
  }
}

const result = (version: number, job = 'g'): WindowResult => ({
  job,
  windowStart: 0,
  windowEnd: 1000,
  counts: { '1': version },
  final: false,
  version,
  emittedAt: 0,
});

function hub() {
  const registry = new Registry();
  return {
    registry,
    hub: new Hub<TestPeer>(
      new WindowStore(5),
      { softBufferBytes: 10, hardBufferBytes: 100, maxProtocolErrors: 3, maxSubscriptions: 4, maxMessagesPerSecond: 1000 },
      createGatewayMetrics(registry),
      () => 1,
    ),
  };
}

describe('Hub', () => {
  it('answers a subscription with the snapshot, then sends each newer version once, as the same frame to everyone', () => {
    const { hub: h } = hub();
    h.onResult(result(2));
    const a = new TestPeer();
    const b = new TestPeer();
    h.connect(a);
    h.connect(b);
    h.onMessage(a, '{"type":"subscribe","jobs":["g"]}');
    h.onMessage(b, '{"type":"subscribe","jobs":["g"]}');
    expect(a.sent.map((f) => JSON.parse(f).type)).toEqual(['subscribed', 'snapshot']);
    expect(JSON.parse(a.sent[1]!).windows).toEqual([result(2)]);
    h.onResult(result(1)); // lower: ignored
    h.onResult(result(6));
    h.onResult(result(4, 'other')); // nobody follows it
    expect(a.sent.slice(2)).toEqual([JSON.stringify({ type: 'update', result: result(6) })]);
    expect(b.sent[2]).toBe(a.sent[2]);
  });

  it('answers every invalid message with an error and closes with 1008 after the limit', () => {
    const { hub: h, registry } = hub();
    const peer = new TestPeer();
    h.connect(peer);
    h.onMessage(peer, 'garbage');
    h.onMessage(peer, '{"type":"x"}');
    expect(peer.closed).toBeUndefined();
    h.onMessage(peer, '{}');
    expect(peer.sent.map((f) => JSON.parse(f))).toEqual([
      { type: 'error', error: 'invalid JSON' },
      expect.objectContaining({ type: 'error' }),
      expect.objectContaining({ type: 'error' }),
    ]);
    expect(peer.closed).toBe(1008);
    return expect(registry.getSingleMetricAsString('streamtally_gateway_protocol_clients_closed_total')).resolves.toContain(' 1');
  });

  it('closes a client that stays past the hard bound and forgets it', async () => {
    const { hub: h, registry } = hub();
    const slow = new TestPeer();
    h.connect(slow);
    h.onMessage(slow, '{"type":"subscribe","jobs":["g"]}');
    slow.bufferedAmount = 500;
    h.onResult(result(8));
    expect(slow.closed).toBe(1013);
    expect(h.clientCount).toBe(0);
    expect(await registry.getSingleMetricAsString('streamtally_gateway_slow_clients_closed_total')).toContain(' 1');
  });

  it('replies to a client that asks without reading only up to the hard buffer bound, then closes it (1013)', () => {
    const { hub: h } = hub();
    h.onResult(result(2));
    const greedy = new TestPeer();
    h.connect(greedy);
    for (let i = 0; i < 1000 && greedy.closed === undefined; i += 1) {
      h.onMessage(greedy, '{"type":"subscribe","jobs":["g"]}');
      greedy.bufferedAmount = greedy.sent.reduce((n, f) => n + f.length, 0); // it never reads
    }
    expect(greedy.closed).toBe(1013);
    expect(greedy.sent.reduce((n, f) => n + f.length, 0)).toBeLessThan(100 + 200); // the bound plus one frame
    expect(h.clientCount).toBe(0);
  });

  it('closes a client following more jobs than allowed (1008), naming the limit', () => {
    const { hub: h } = hub();
    const peer = new TestPeer();
    h.connect(peer);
    h.onMessage(peer, '{"type":"subscribe","jobs":["a","b","c"]}');
    expect(peer.closed).toBeUndefined();
    h.onMessage(peer, '{"type":"subscribe","jobs":["a","d","e"]}');
    expect(peer.closed).toBe(1008);
  });

  it('closes a client that floods control messages (1008)', () => {
    const registry = new Registry();
    let now = 0;
    const h = new Hub<TestPeer>(
      new WindowStore(5),
      { softBufferBytes: 1e6, hardBufferBytes: 2e6, maxProtocolErrors: 3, maxSubscriptions: 4, maxMessagesPerSecond: 5 },
      createGatewayMetrics(registry),
      () => now,
    );
    const calm = new TestPeer();
    const flood = new TestPeer();
    h.connect(calm);
    h.connect(flood);
    for (let i = 0; i < 50; i += 1) {
      now += 250; // 4 a second: within the rate
      h.onMessage(calm, '{"type":"ping"}');
    }
    for (let i = 0; i < 11; i += 1) h.onMessage(flood, '{"type":"ping"}'); // a burst over twice the rate
    expect(calm.closed).toBeUndefined();
    expect(flood.closed).toBe(1008);
  });

  it('answers a binary frame with a clear error, as a protocol strike', () => {
    const { hub: h } = hub();
    const peer = new TestPeer();
    h.connect(peer);
    h.onMessage(peer, '', true);
    expect(JSON.parse(peer.sent[0]!)).toEqual({ type: 'error', error: 'binary frames are not accepted: send JSON text frames' });
    h.onMessage(peer, '', true);
    h.onMessage(peer, '', true);
    expect(peer.closed).toBe(1008);
  });

  it('names the known jobs when a client subscribes to one without results, and keeps it subscribed', () => {
    const { hub: h } = hub();
    h.onResult(result(2));
    const peer = new TestPeer();
    h.connect(peer);
    h.onMessage(peer, '{"type":"subscribe","jobs":["g","words"]}');
    expect(peer.sent.map((f) => JSON.parse(f))).toEqual([
      { type: 'subscribed', jobs: ['g', 'words'] },
      { type: 'error', error: 'no results yet for "words"; known jobs: g' },
      { type: 'snapshot', job: 'g', windows: [result(2)] },
      { type: 'snapshot', job: 'words', windows: [] },
    ]);
    h.onResult(result(4, 'words'));
    expect(JSON.parse(peer.sent.at(-1)!)).toMatchObject({ type: 'update', result: { job: 'words' } });
    expect(peer.closed).toBeUndefined();
  });
});
