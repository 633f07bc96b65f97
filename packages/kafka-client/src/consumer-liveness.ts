import type { Consumer } from 'kafkajs';

/** The part of a kafkajs consumer liveness listens to (its public instrumentation events). */
export type ConsumerEvents = Pick<Consumer, 'on' | 'events'>;

/**
 * Whether a consumer is really consuming, for /healthz. kafkajs reports a crash with
 * `restart`: true when it rejoins by itself (the consumer is down until it has joined
 * again), false when it has given up for good (down until the process restarts).
 */
export class ConsumerLiveness {
  private state: 'stopped' | 'running' | 'restarting' | 'crashed' = 'stopped';
  private crash: string | undefined;

  constructor(consumer: ConsumerEvents) {
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.state === 'stopped') return;
      this.state = payload.restart ? 'restarting' : 'crashed';
      this.crash = payload.error.message;
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.state === 'restarting') this.state = 'running';
    });
  }

  /** The consumer's run() has started. */
  started(): void {
    this.state = 'running';
  }

  /** The consumer is being closed on purpose. */
  stopped(): void {
    this.state = 'stopped';
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** For /healthz details: the state, and the last crash while not running. */
  describe(): { consumer: string; lastCrash: string | null } {
    return { consumer: this.state, lastCrash: this.state === 'running' ? null : (this.crash ?? null) };
  }
}
