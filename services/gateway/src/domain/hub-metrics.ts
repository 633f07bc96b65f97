import type { Offer } from './window-store';

/**
 * What the hub reports, shaped for it and free of any metrics library (metrics.ts binds it to
 * prom-client): the protocol says what happened, the binding decides how it is counted.
 */
export interface HubMetrics {
  clients(count: number): void;
  /** a result read from the topic: kept as new or updated, or stale; its age since it was emitted */
  resultConsumed(offer: Offer, ageSeconds: number): void;
  framesSent(count: number): void;
  /** a client's send buffer right after a frame was queued for it */
  sendBuffer(bytes: number): void;
  /** an update held back for a slow client (sent later, or replaced by a newer one) */
  coalesced(): void;
  /** a read's results handed to every subscriber, this long after it was read */
  fannedOut(seconds: number): void;
  /** a new version handed to every client, this long after its oldest new input was written */
  eventToScreen(job: string, seconds: number): void;
  protocolClosed(): void;
  slowClosed(): void;
}
