import type { Logger } from 'pino';

/**
 * Runs the emitter's tick every `everyMs`, never two at once: an interval that comes while a
 * tick still runs is skipped (queueing them would pile up ticks behind a slow Redis and run
 * them after stop), and remembers the last failure for /healthz until a tick
 * succeeds. A failed tick is retried by the next one: the emitter starts from committed state
 * each time, so nothing is lost by trying again.
 */
export class EmitSchedule {
  private timer: NodeJS.Timeout | undefined;
  /** the tick running, if any */
  private running: Promise<void> | undefined;
  /** when the running tick began */
  private runningSince = 0;
  private failure: string | undefined;

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly everyMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      if (this.running) return;
      this.runningSince = this.now();
      this.running = this.tick()
        .then(
          () => this.succeeded(),
          (err: unknown) => this.failed(err),
        )
        .finally(() => (this.running = undefined));
    }, this.everyMs);
  }

  /**
   * How long the running tick has run (0 when none): a tick that never ends (a reply that
   * never comes) would hold every later one back without a single failure to report.
   */
  runningForMs(now = this.now()): number {
    return this.running ? now - this.runningSince : 0;
  }

  /** The last tick's error message, or null once a tick has succeeded. */
  get lastError(): string | null {
    return this.failure ?? null;
  }

  /** No new tick; resolves when the one running (if any) has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private succeeded(): void {
    this.failure = undefined;
  }

  private failed(err: unknown): void {
    this.failure = (err as Error).message;
    this.logger.warn({ err }, 'emitting results failed; retrying on the next tick');
  }
}
