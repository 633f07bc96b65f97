import type { OutgoingBatch } from './replay/outgoing-batch';
import type { ProducerMetrics } from './metrics';

/**
 * What Kafka has acknowledged so far, for metrics and /healthz: events and bytes sent, the
 * events-per-second gauge, and the last send error until a send succeeds again.
 */
export class DeliveryStatus {
  acknowledged = 0;
  lastSendError: string | undefined;
  private rateTimer: NodeJS.Timeout | undefined;

  /** `eventTopics`: the topics whose messages count as events (not dead letters) */
  constructor(
    private readonly metrics: ProducerMetrics,
    private readonly eventTopics: readonly string[],
  ) {}

  sent(batch: OutgoingBatch, seconds: number): void {
    this.lastSendError = undefined;
    this.metrics.sendDuration.observe(seconds);
    this.metrics.bytes.inc(batch.bytes);
    let events = 0;
    for (const topic of this.eventTopics) events += batch.byTopic.get(topic)?.length ?? 0;
    this.metrics.events.inc(events);
    this.acknowledged += events;
  }

  failed(err: unknown): void {
    this.lastSendError = (err as Error).message;
    this.metrics.sendErrors.inc();
  }

  /** Sets the rate gauge once a second from the acknowledged count. */
  startRate(): void {
    if (this.rateTimer) return;
    let previous = 0;
    this.rateTimer = setInterval(() => {
      this.metrics.rate.set(this.acknowledged - previous);
      previous = this.acknowledged;
    }, 1000).unref();
  }

  stop(): void {
    clearInterval(this.rateTimer);
  }
}
