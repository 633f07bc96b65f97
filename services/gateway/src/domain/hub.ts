import { WindowResult } from '@streamtally/contracts';
import { GatewayMetrics } from '../metrics';
import { ControlRate } from './control-rate';
import { Delivery, DeliveryLimits, Peer } from './delivery';
import { encodeServerMessage, parseClientMessage } from './protocol';
import { SubscriptionRegistry } from './subscriptions';
import { WindowStore } from './window-store';

export const CLOSE_POLICY_VIOLATION = 1008;

export interface HubLimits extends DeliveryLimits {
  /** invalid messages before the client is closed with 1008 */
  maxProtocolErrors: number;
  /** jobs one client may follow at once */
  maxSubscriptions: number;
  /** control messages per second a client may send (bursts of twice that) */
  maxMessagesPerSecond: number;
}

/** What the hub tells the operator: protocol abuse is a warning, never an error with a stack. */
export type HubLog = (event: string, details: Record<string, unknown>) => void;

interface Connection {
  delivery: Delivery;
  strikes: number;
  rate: ControlRate;
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
    private readonly limits: HubLimits,
    private readonly metrics: GatewayMetrics,
    private readonly now: () => number = Date.now,
    private readonly log: HubLog = () => undefined,
  ) {}

  connect(peer: P): void {
    this.connections.set(peer, { delivery: new Delivery(peer, this.limits), strikes: 0, rate: new ControlRate(this.limits.maxMessagesPerSecond, this.now()) });
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

  /** A frame from a client; binary frames are refused, the protocol is JSON text. */
  onMessage(peer: P, data: string, isBinary = false): void {
    const connection = this.connections.get(peer);
    if (!connection) return;
    if (!connection.rate.take(this.now())) {
      this.closeForPolicy(peer, `too many messages: at most ${this.limits.maxMessagesPerSecond} per second`);
      return;
    }
    const parsed = isBinary ? { ok: false as const, error: 'binary frames are not accepted: send JSON text frames' } : parseClientMessage(data);
    if (!parsed.ok) {
      connection.strikes += 1;
      if (connection.strikes === 1) this.log('client protocol error', { error: parsed.error });
      this.reply(peer, { type: 'error', error: parsed.error });
      if (connection.strikes >= this.limits.maxProtocolErrors) this.closeForPolicy(peer, 'too many invalid messages');
      return;
    }
    const message = parsed.message;
    if (message.type === 'ping') {
      this.reply(peer, { type: 'pong' });
    } else if (message.type === 'unsubscribe') {
      this.subscriptions.unsubscribe(peer, message.jobs);
    } else {
      const following = new Set([...this.subscriptions.jobsOf(peer), ...message.jobs]);
      if (following.size > this.limits.maxSubscriptions) {
        this.closeForPolicy(peer, `too many subscriptions: at most ${this.limits.maxSubscriptions} jobs`);
        return;
      }
      this.subscriptions.subscribe(peer, message.jobs);
      this.reply(peer, { type: 'subscribed', jobs: message.jobs });
      const known = this.store.jobNames();
      const unknown = message.jobs.filter((job) => !known.includes(job));
      if (unknown.length > 0) {
        // kept subscribed: results may come later (a word count before any text arrives)
        this.reply(peer, {
          type: 'error',
          error: `no results yet for ${unknown.map((j) => JSON.stringify(j)).join(', ')}; known jobs: ${known.join(', ') || 'none yet'}`,
        });
      }
      for (const job of message.jobs) {
        if (!this.reply(peer, { type: 'snapshot', job, windows: this.store.snapshot(job) ?? [] })) return;
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

  /** Sends a reply under the client's buffer limits; false when that closed the client. */
  private reply(peer: P, message: Parameters<typeof encodeServerMessage>[0]): boolean {
    const outcome = this.connections.get(peer)?.delivery.reply(encodeServerMessage(message));
    if (outcome === 'sent') this.metrics.messagesSent.inc();
    else if (outcome === 'closed') this.onSlowClose(peer);
    return outcome === 'sent';
  }

  private closeForPolicy(peer: P, reason: string): void {
    this.log('client closed for its messages', { reason });
    this.metrics.protocolClosed.inc();
    peer.close(CLOSE_POLICY_VIOLATION, reason);
    this.disconnect(peer);
  }

  private onSlowClose(peer: P): void {
    this.metrics.slowClosed.inc();
    this.disconnect(peer);
  }
}
