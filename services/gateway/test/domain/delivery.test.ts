import { Delivery, Peer } from '../../src/domain/delivery';

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
    expect(delivery.deliver('g', 'a')).toBe('sent');
    expect(peer.sent).toEqual(['a']);
  });

  it('past the soft bound keeps only the latest update per job and sends those on the next flush', () => {
    const peer = new TestPeer();
    const delivery = new Delivery(peer, limits);
    peer.bufferedAmount = 500;
    expect(delivery.deliver('g', 'g1')).toBe('coalesced');
    expect(delivery.deliver('g', 'g2')).toBe('coalesced');
    expect(delivery.deliver('p', 'p1')).toBe('coalesced');
    expect(delivery.held).toBe(2);
    expect(delivery.flush()).toBe(2);
    expect(peer.sent).toEqual(['g2', 'p1']);
    peer.bufferedAmount = 0;
    expect(delivery.deliver('g', 'g3')).toBe('sent');
  });

  it('a client that stops reading passes the hard bound at a flush and is closed', () => {
    const peer = new TestPeer();
    const delivery = new Delivery(peer, limits);
    peer.bufferedAmount = 500;
    delivery.deliver('g', 'g1');
    peer.bufferedAmount = 5000;
    expect(delivery.flush()).toBe(0);
    expect(peer.closed?.code).toBe(1013);
    expect(delivery.isClosed).toBe(true);
  });

  it('past the hard bound closes the client with 1013 and drops what it held', () => {
    const peer = new TestPeer();
    const delivery = new Delivery(peer, limits);
    peer.bufferedAmount = 1001;
    expect(delivery.deliver('g', 'x')).toBe('closed');
    expect(peer.closed).toEqual({ code: 1013, reason: 'too slow: send buffer over the limit' });
    expect(delivery.deliver('g', 'y')).toBe('closed');
    expect(peer.sent).toEqual([]);
  });
});
