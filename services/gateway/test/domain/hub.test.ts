import { Registry } from 'prom-client';
import { WindowResult } from '@streamtally/contracts';
import { Peer } from '../../src/domain/delivery';
import { Hub } from '../../src/domain/hub';
import { UPDATE_FRAME_BYTES } from '../../src/domain/protocol';
import { WindowStore } from '../../src/domain/window-store';
import { createGatewayMetrics, hubMetricsOf, MAX_LATENCY_SERIES } from '../../src/metrics';

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

function hub(now: () => number = () => 1) {
  const registry = new Registry();
  return {
    registry,
    hub: new Hub<TestPeer>(
      new WindowStore(5),
      { softBufferBytes: 10, hardBufferBytes: 100, maxProtocolErrors: 3, maxSubscriptions: 4, maxMessagesPerSecond: 1000 },
      hubMetricsOf(createGatewayMetrics(registry)),
      now,
    ),
  };
}

async function latencySeries(registry: Registry): Promise<Record<string, { count: number; sum: number }>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'streamtally_gateway_event_to_screen_seconds')!;
  const series: Record<string, { count: number; sum: number }> = {};
  for (const v of metric.values as { metricName?: string; labels: Record<string, string>; value: number }[]) {
    const name = String(v.labels.aggregation);
    series[name] ??= { count: 0, sum: 0 };
    if (v.metricName?.endsWith('_count')) series[name].count = v.value;
    if (v.metricName?.endsWith('_sum')) series[name].sum = v.value;
  }
  return series;
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

  it('sends the new results of one read in one frame per client, only of the jobs it follows, built once per set of jobs', async () => {
    const { hub: h, registry } = hub();
    const sentTotal = async () => Number(/ (\d+)$/m.exec(await registry.getSingleMetricAsString('streamtally_gateway_messages_sent_total'))![1]);
    const both = [new TestPeer(), new TestPeer()];
    const onlyP = new TestPeer();
    for (const peer of [...both, onlyP]) h.connect(peer);
    for (const peer of both) h.onMessage(peer, '{"type":"subscribe","jobs":["g","p"]}');
    h.onMessage(onlyP, '{"type":"subscribe","jobs":["p"]}');
    const before = [...both, onlyP].map((p) => p.sent.length);
    const sentBefore = await sentTotal();
    const g1 = { ...result(2), windowStart: 1000 };
    h.onResults([result(2), result(2, 'p'), g1, result(1, 'x'), result(2)]); // x: nobody; the second g@0 is stale
    const [a, b] = both.map((peer, i) => peer.sent.slice(before[i]));
    expect(a).toHaveLength(1);
    expect(JSON.parse(a![0]!)).toEqual({ type: 'updates', results: [result(2), g1, result(2, 'p')] });
    expect(b![0]).toBe(a![0]); // the same string: encoded once
    expect(onlyP.sent.slice(before[2]).map((f) => JSON.parse(f))).toEqual([{ type: 'update', result: result(2, 'p') }]);
    expect((await sentTotal()) - sentBefore).toBe(3);
  });

  it('splits a large read into frames of at most UPDATE_FRAME_BYTES, every result once and in order', () => {
    const { hub: h } = hub();
    const peer = new TestPeer();
    h.connect(peer);
    h.onMessage(peer, '{"type":"subscribe","jobs":["g"]}');
    const before = peer.sent.length;
    const big = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key-${i}`, 1]));
    const results = Array.from({ length: 40 }, (_, i) => ({ ...result(2), windowStart: i * 1000, counts: big }));
    h.onResults(results);
    const frames = peer.sent.slice(before);
    expect(frames.length).toBeGreaterThan(1);
    for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(UPDATE_FRAME_BYTES + 100);
    const got = frames.flatMap((f) => {
      const m = JSON.parse(f) as { type: string; result?: WindowResult; results?: WindowResult[] };
      return m.type === 'update' ? [m.result!] : m.results!;
    });
    expect(got).toEqual(results);
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
      hubMetricsOf(createGatewayMetrics(registry)),
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

  it('measures event-to-screen latency once per new version that says when its input was written, when handed to the clients', async () => {
    let now = 9_000;
    const { hub: h, registry } = hub(() => now);
    now = 10_000;
    const a = new TestPeer();
    h.connect(a);
    h.onMessage(a, '{"type":"subscribe","jobs":["g"]}');
    h.onResult({ ...result(2), inputWrittenAt: 9_400, emittedAt: 9_900 }); // followed: 0.6 s
    now = 10_500;
    h.onResult({ ...result(2), inputWrittenAt: 9_000, emittedAt: 9_900 }); // the same version again: not new, not measured
    h.onResult({ ...result(4, 'nobody-follows'), inputWrittenAt: 10_250, emittedAt: 10_300 }); // no clients: still measured, 0.25 s
    h.onResult({ ...result(6), emittedAt: 10_400 }); // does not say: not measured
    h.onResult({ ...result(8), inputWrittenAt: 10_900, emittedAt: 10_400 }); // a clock ahead of ours: 0, not negative
    expect(await latencySeries(registry)).toEqual({ g: { count: 2, sum: 0.6 }, 'nobody-follows': { count: 1, sum: 0.25 } });
  });

  it('does not time results emitted before it started: they waited for the gateway (read from the topic at its start), not for the pipeline', async () => {
    let now = 50_000;
    const { hub: h, registry } = hub(() => now);
    now = 58_000;
    h.onResults([
      { ...result(2), inputWrittenAt: 40_000, emittedAt: 40_300 }, // an hour's backlog of the topic: not timed
      { ...result(4, 'other-job'), inputWrittenAt: 49_500, emittedAt: 49_900 }, // emitted just before the start: not timed
      { ...result(6), inputWrittenAt: 49_800, emittedAt: 50_000 }, // emitted as it started: 8.2 s, timed
    ]);
    expect(await latencySeries(registry)).toEqual({ g: { count: 1, sum: 8.2 } });
  });

  it('keeps latency series bounded: job names past the limit share one series', async () => {
    const { hub: h, registry } = hub(() => 2);
    for (let i = 0; i < MAX_LATENCY_SERIES + 10; i += 1) h.onResult({ ...result(2, `job-${i}`), inputWrittenAt: 1, emittedAt: 2 });
    const series = await latencySeries(registry);
    expect(Object.keys(series)).toHaveLength(MAX_LATENCY_SERIES + 1);
    expect(series.other!.count).toBe(10);
    expect(series.other!.sum).toBeCloseTo(0.01, 9);
  });
});
