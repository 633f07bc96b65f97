import { WindowResult } from '@streamtally/contracts';
import { Delivery, Peer } from '../../src/domain/delivery';
import { UPDATE_FRAME_BYTES } from '../../src/domain/protocol';

const r = (job: string, windowStart: number, version: number, final = false): WindowResult => ({
  job,
  windowStart,
  windowEnd: windowStart + 1000,
  counts: { '1': version },
  final,
  version,
  emittedAt: 0,
});

class TestPeer implements Peer {
  bufferedAmount = 0;
  sent: string[] = [];
  closed?: { code: number; reason: string };
  send(frame: string) {
    this.sent.push(frame);
  }
  close(code: number, reason: string) {
    this.closed = { code, reason };
  }
}

describe('Delivery to one client', () => {
  const limits = { softBufferBytes: 100, hardBufferBytes: 1000 };

  it('sends at once while the buffer is small', () => {
    const peer = new TestPeer();
    const delivery = new Delivery(peer, limits);
    expect(delivery.deliver([r('g', 0, 2)], 'a')).toBe('sent');
    expect(peer.sent).toEqual(['a']);
  });

  it('past the soft bound keeps the latest version of each window and sends them in one frame on the next flush', () => {
    const peer = new TestPeer();
    const delivery = new Delivery(peer, limits);
    peer.bufferedAmount = 500;
    expect(delivery.deliver([r('g', 0, 2), r('g', 1000, 2)], 'frame 1')).toBe('coalesced');
    expect(delivery.deliver([r('g', 0, 5, true)], 'frame 2')).toBe('coalesced'); // window 0 final
    expect(delivery.deliver([r('g', 1000, 4), r('p', 0, 2)], 'frame 3')).toBe('coalesced');
    expect(delivery.held).toBe(3);
    expect(delivery.flush()).toBe(1);
    expect(peer.sent).toHaveLength(1);
    const frame = JSON.parse(peer.sent[0]!) as { type: string; results: WindowResult[] };
    // one window's update never displaces another window's (the final of window 0 stays)
    expect(frame).toEqual({ type: 'updates', results: [r('g', 0, 5, true), r('g', 1000, 4), r('p', 0, 2)] });
    peer.bufferedAmount = 0;
    expect(delivery.deliver([r('g', 2000, 2)], 'frame 4')).toBe('sent');
    expect(peer.sent[1]).toBe('frame 4');
  });

  it('a flush sends held results in bounded frames, and only while the buffer stays under the soft bound', () => {
    const peer = new TestPeer();
    const delivery = new Delivery(peer, { softBufferBytes: 100, hardBufferBytes: 10_000_000 });
    peer.bufferedAmount = 500;
    const big = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`word-${i}`, 1]));
    const held = Array.from({ length: 5 }, (_, i) => ({ ...r('w', i * 1000, 2), counts: big }));
    expect(delivery.deliver(held, 'unused')).toBe('coalesced');
    peer.send = (frame: string) => {
      peer.sent.push(frame);
      peer.bufferedAmount += frame.length; // the client reads nothing meanwhile
    };
    expect(delivery.flush()).toBe(1); // one frame goes (progress), then the buffer is over the soft bound
    expect(peer.sent[0]!.length).toBeLessThanOrEqual(UPDATE_FRAME_BYTES + 100);
    expect(delivery.held).toBe(4);
    const sentResults = () =>
      peer.sent.flatMap((f) => {
        const m = JSON.parse(f) as { type: string; result?: WindowResult; results?: WindowResult[] };
        return m.type === 'update' ? [m.result!] : m.results!;
      });
    for (let tick = 0; tick < 4; tick += 1) {
      peer.bufferedAmount = 0; // the client caught up
      delivery.flush();
    }
    expect(delivery.held).toBe(0);
    expect(sentResults()).toEqual(held); // each once, in order
  });

  it('a single held result goes out as a plain update', () => {
    const peer = new TestPeer();
    const delivery = new Delivery(peer, limits);
    peer.bufferedAmount = 500;
    delivery.deliver([r('g', 0, 2)], 'x');
    delivery.flush();
    expect(JSON.parse(peer.sent[0]!)).toEqual({ type: 'update', result: r('g', 0, 2) });
  });

  it('a client that stops reading passes the hard bound at a flush and is closed', () => {
    const peer = new TestPeer();
    const delivery = new Delivery(peer, limits);
    peer.bufferedAmount = 500;
    delivery.deliver([r('g', 0, 2)], 'g1');
    peer.bufferedAmount = 5000;
    expect(delivery.flush()).toBe(0);
    expect(peer.closed?.code).toBe(1013);
    expect(delivery.isClosed).toBe(true);
  });

  it('past the hard bound closes the client with 1013 and drops what it held', () => {
    const peer = new TestPeer();
    const delivery = new Delivery(peer, limits);
    peer.bufferedAmount = 1001;
    expect(delivery.deliver([r('g', 0, 2)], 'x')).toBe('closed');
    expect(peer.closed).toEqual({ code: 1013, reason: 'too slow: send buffer over the limit' });
    expect(delivery.deliver([r('g', 0, 3)], 'y')).toBe('closed');
    expect(peer.sent).toEqual([]);
  });
});
