import type { JobDescription, JobDescriptions, WindowResult } from '@streamtally/contracts';
import { ControlRate } from './control-rate';
import { Delivery, DeliveryLimits, Peer } from './delivery';
import { encodeServerMessage, parseClientMessage, updateFrames } from './protocol';
import type { HubMetrics } from './hub-metrics';
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

/** One job's new results of a read, and each serialised once for every client. */
interface FreshResults {
  results: WindowResult[];
  encoded: string[];
}

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
  private described: JobDescriptions | undefined;
  /** results emitted before this are not timed to the screen (see onResults) */
  private readonly startedAt: number;

  constructor(
    readonly store: WindowStore,
    private readonly limits: HubLimits,
    private readonly metrics: HubMetrics,
    private readonly now: () => number = Date.now,
    private readonly log: HubLog = () => undefined,
  ) {
    this.startedAt = now();
  }

  connect(peer: P): void {
    this.connections.set(peer, {
      delivery: new Delivery(peer, this.limits, (bytes) => this.metrics.sendBuffer(bytes)),
      strikes: 0,
      rate: new ControlRate(this.limits.maxMessagesPerSecond, this.now()),
    });
    this.metrics.clients(this.connections.size);
    if (this.described) this.reply(peer, { type: 'jobs', jobs: this.described.jobs });
  }

  /** The jobs as the aggregator last described them (none before it has). */
  get jobs(): readonly JobDescription[] {
    return this.described?.jobs ?? [];
  }

  /** A job-descriptions record, read in the topic's order (the latest is the truth): kept, and sent to every client. */
  onJobs(descriptions: JobDescriptions): void {
    this.described = descriptions;
    // a removed job's windows, and an older generation's, are history now
    this.store.retain(descriptions.jobs);
    for (const peer of [...this.connections.keys()]) this.reply(peer, { type: 'jobs', jobs: descriptions.jobs });
  }

  disconnect(peer: P): void {
    this.connections.delete(peer);
    this.subscriptions.remove(peer);
    this.metrics.clients(this.connections.size);
  }

  get clientCount(): number {
    return this.connections.size;
  }

  /** A result from the topic; fans it out unless an equal or higher version is known. */
  onResult(result: WindowResult, consumedAt = this.now()): void {
    this.onResults([result], consumedAt);
  }

  /**
   * Results that came together (one read from the topic): each is kept unless an equal or
   * higher version is known, and each client gets the new ones of the jobs it follows in one
   * frame. Per-frame costs (a write, a parse in the browser) dominate fan-out, so a client
   * following six jobs gets one frame per read, not one per window. Clients following the
   * same jobs share the frame, built once.
   */
  onResults(results: readonly WindowResult[], consumedAt = this.now()): void {
    const fresh = this.keepFresh(results, consumedAt);
    if (fresh.size === 0) return;
    const followed = this.followersOf(fresh);
    this.metrics.framesSent(this.deliverFrames(followed, fresh));
    if (followed.size > 0) this.metrics.fannedOut((this.now() - consumedAt) / 1000);
    const now = this.now();
    for (const { results: ofJob } of fresh.values()) {
      for (const result of ofJob) {
        // a result emitted before this gateway started waited for the gateway, not for the
        // pipeline (at every start the gateway reads the results topic from the beginning):
        // timed, a healthy stack's first minutes and every gateway restart looked slow (the
        // compose suite saw StreamtallyEventToScreenSlow pending right after `up`)
        if (result.inputWrittenAt === undefined || result.emittedAt < this.startedAt) continue;
        // clocks of different hosts may disagree a little: a negative age is a skew, counted as 0
        this.metrics.eventToScreen(result.job, Math.max(0, now - result.inputWrittenAt) / 1000);
      }
    }
  }

  /** The results the store takes (newer than what it has), by job, each serialised once. */
  private keepFresh(results: readonly WindowResult[], consumedAt: number): Map<string, FreshResults> {
    const fresh = new Map<string, FreshResults>();
    for (const result of results) {
      const offer = this.store.offer(result);
      this.metrics.resultConsumed(offer, Math.max(0, consumedAt - result.emittedAt) / 1000);
      if (offer === 'stale') continue;
      let ofJob = fresh.get(result.job);
      if (!ofJob) fresh.set(result.job, (ofJob = { results: [], encoded: [] }));
      ofJob.results.push(result);
      ofJob.encoded.push(JSON.stringify(result));
    }
    return fresh;
  }

  /** Per client, the jobs of this read it follows, in the order they came. */
  private followersOf(fresh: ReadonlyMap<string, FreshResults>): Map<P, string[]> {
    const followed = new Map<P, string[]>();
    for (const job of fresh.keys()) {
      for (const peer of this.subscriptions.subscribers(job)) {
        const jobs = followed.get(peer);
        if (jobs) jobs.push(job);
        else followed.set(peer, [job]);
      }
    }
    return followed;
  }

  /** Hands each client its frames (built once per set of jobs followed); returns the frames sent. */
  private deliverFrames(followed: ReadonlyMap<P, string[]>, fresh: ReadonlyMap<string, FreshResults>): number {
    const frames = new Map<string, { results: WindowResult[]; frame: string }[]>();
    let sent = 0;
    for (const [peer, jobs] of followed) {
      const signature = jobs.join('\n');
      let chunks = frames.get(signature);
      if (!chunks) {
        const parts = jobs.map((job) => fresh.get(job)!);
        chunks = updateFrames(
          parts.flatMap((p) => p.results),
          parts.flatMap((p) => p.encoded),
        );
        frames.set(signature, chunks);
      }
      const delivery = this.connections.get(peer)?.delivery;
      for (const chunk of chunks) {
        const outcome = delivery?.deliver(chunk.results, chunk.frame);
        if (outcome === 'sent') sent += 1;
        else if (outcome === 'coalesced') this.metrics.coalesced();
        else if (outcome === 'closed') {
          this.onSlowClose(peer);
          break;
        }
      }
    }
    return sent;
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
      this.metrics.framesSent(connection.delivery.flush());
      if (connection.delivery.isClosed) this.onSlowClose(peer);
    }
  }

  /** Sends a reply under the client's buffer limits; false when that closed the client. */
  private reply(peer: P, message: Parameters<typeof encodeServerMessage>[0]): boolean {
    const outcome = this.connections.get(peer)?.delivery.reply(encodeServerMessage(message));
    if (outcome === 'sent') this.metrics.framesSent(1);
    else if (outcome === 'closed') this.onSlowClose(peer);
    return outcome === 'sent';
  }

  private closeForPolicy(peer: P, reason: string): void {
    this.log('client closed for its messages', { reason });
    this.metrics.protocolClosed();
    peer.close(CLOSE_POLICY_VIOLATION, reason);
    this.disconnect(peer);
  }

  private onSlowClose(peer: P): void {
    this.metrics.slowClosed();
    this.disconnect(peer);
  }
}
