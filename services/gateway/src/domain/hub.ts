import { WindowResult } from '@streamtally/contracts';
import { GatewayMetrics } from '../metrics';
import { Delivery, DeliveryLimits, Peer } from './delivery';
import { encodeServerMessage, parseClientMessage } from './protocol';
import { SubscriptionRegistry } from './subscriptions';
import { WindowStore } from './window-store';

export const CLOSE_POLICY_VIOLATION = 1008;

interface Connection {
  delivery: Delivery;
  strikes: number;
}

/**
 * Connects results to subscribers: keeps the window store, answers subscriptions with a
 * snapshot, serialises each update once and hands the same frame to every subscriber.
 */
export class Hub<P extends Peer> {
  private readonly connections = new Map<P, Connection>();
  private readonly subscriptions = new SubscriptionRegistry<P>();

  constructor(
    readonly store: WindowStore,
    private readonly limits: DeliveryLimits & { maxProtocolErrors: number },
    private readonly metrics: GatewayMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  connect(peer: P): void {
    this.connections.set(peer, { delivery: new Delivery(peer, this.limits), strikes: 0 });
    this.metrics.clients.set(this.connections.size);
  }

  disconnect(peer: P): void {
    this.connections.delete(peer);
    this.subscriptions.remove(peer);
    this.metrics.clients.set(this.connections.size);
  }

  get clientCount(): number {
    return this.connections.size;
  }

  peers(): IterableIterator<P> {
    return this.connections.keys();
  }

  /** A result from the topic; fans it out unless an equal or higher version is known. */
  onResult(result: WindowResult, consumedAt = this.now()): void {
    const offer = this.store.offer(result);
    this.metrics.resultsConsumed.inc({ outcome: offer });
    this.metrics.endToEndLatency.observe(Math.max(0, consumedAt - result.emittedAt) / 1000);
    if (offer === 'stale') return;
    const subscribers = this.subscriptions.subscribers(result.job);
    if (subscribers.size === 0) return;
    const frame = encodeServerMessage({ type: 'update', result });
    let sent = 0;
    for (const peer of subscribers) {
      const outcome = this.connections.get(peer)?.delivery.deliver(result.job, frame);
      if (outcome === 'sent') sent += 1;
      else if (outcome === 'coalesced') this.metrics.coalesced.inc();
      else if (outcome === 'closed') this.onSlowClose(peer);
    }
    this.metrics.messagesSent.inc(sent);
    this.metrics.fanOutLatency.observe((this.now() - consumedAt) / 1000);
  }

  /** A frame from a client. */
  onMessage(peer: P, data: string): void {
    const connection = this.connections.get(peer);
    if (!connection) return;
    const parsed = parseClientMessage(data);
    if (!parsed.ok) {
      connection.strikes += 1;
      this.send(peer, encodeServerMessage({ type: 'error', error: parsed.error }));
      if (connection.strikes >= this.limits.maxProtocolErrors) {
        this.metrics.protocolClosed.inc();
        peer.close(CLOSE_POLICY_VIOLATION, 'too many invalid messages');
      }
      return;
    }
    const message = parsed.message;
    if (message.type === 'ping') {
      this.send(peer, encodeServerMessage({ type: 'pong' }));
    } else if (message.type === 'unsubscribe') {
      this.subscriptions.unsubscribe(peer, message.jobs);
    } else {
      this.subscriptions.subscribe(peer, message.jobs);
      this.send(peer, encodeServerMessage({ type: 'subscribed', jobs: message.jobs }));
      for (const job of message.jobs) {
        this.send(peer, encodeServerMessage({ type: 'snapshot', job, windows: this.store.snapshot(job) ?? [] }));
      }
    }
  }

  /** Sends what slow clients had held back, where their buffers allow. */
  flushHeld(): void {
    for (const [peer, connection] of this.connections) {
      if (connection.delivery.held === 0) continue;
      this.metrics.messagesSent.inc(connection.delivery.flush());
      if (connection.delivery.isClosed) this.onSlowClose(peer);
    }
  }

  private send(peer: P, frame: string): void {
    peer.send(frame);
    this.metrics.messagesSent.inc();
  }

  private onSlowClose(peer: P): void {
    this.metrics.slowClosed.inc();
    this.disconnect(peer);
  }
}
