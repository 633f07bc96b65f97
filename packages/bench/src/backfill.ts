// A backfill during a pipeline step (BACKFILL_FILE): the input topic first holds the file's
// rows, the live jobs count them, then the aggregator restarts with one job more, which counts
// the whole backlog again on the catch-up reader while the step's live input, clients and
// markers run. How long it took and how fast are measured from the aggregator's own gauges.
import { sleep } from '@streamtally/observability';
import { waitFor } from '@streamtally/test-support';
import { markerLatencies } from './markers';
import { metricSum, scrape } from './metrics-text';
import { percentile } from './stats';
import { startLogged } from './processes';

/** The added job: the shipped per-second chart under another name, so `aggregator.sh` measures the same job alone. */
export const BACKFILL_JOB = 'gender-per-second-again';

export function backfillJob(source: string): object {
  return { name: BACKFILL_JOB, source, key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 }, allowedLatenessMs: 1000 };
}

/** Replays `file` once into `topic` as fast as it goes (what scripts/bench/lib.sh's write_backlog does). */
export async function writeBacklog(settings: { brokers: string; partitions: number; logs: string }, file: string, topic: string): Promise<void> {
  const env = {
    KAFKA_BROKERS: settings.brokers,
    INPUT_FILE: file,
    INPUT_TOPIC: topic,
    DEAD_LETTER_TOPIC: `${topic}.dlq`,
    PACE: 'max',
    TOPIC_PARTITIONS: String(settings.partitions),
    METRICS_PORT: '0',
    PROGRESS: 'off',
  };
  const writer = startLogged('backlog', 'services/producer/dist/main.js', env, { logs: settings.logs, flags: ['--max-semi-space-size=8'] });
  writer.stopping = true;
  const code = await new Promise<number | null>((resolve) => writer.child.once('exit', resolve));
  if (code !== 0) throw new Error(`writing the backlog failed (exit ${code}): see ${settings.logs}/backlog.log`);
}

export interface BackfillRun {
  records: number;
  /** seconds from the aggregator's restart with the added job to that job being live, once it is */
  seconds?: number;
  /**
   * seconds from the job's first records counted to it being live: its rate without the
   * restart's start-up, as `aggregator.sh` times the job alone (from the first records counted)
   */
  countingSeconds?: number;
  /** the live jobs' event-to-screen latency (markers) while the added job backfilled, after the restart's own pause */
  latencyMs?: { samples: number; missing: number; p50: number; p99: number; max: number };
  /** BACKFILL_ALONE=race: seconds the same job alone took in a second aggregator started at the same time, from its first records counted to caught up */
  aloneSeconds?: number;
}

/**
 * The same job alone (BACKFILL_ALONE=race): a second aggregator with only that job, its own
 * state and group (the recipe before jobs had positions), started with the restart, so the
 * two count the backlog on the same machine at the same time: the rate of either alone on an
 * idle machine is not comparable, this one's CPU speed drifts by half from minute to minute.
 */
export interface AloneRace {
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Caught up: the backlog counted and within a thousand records of the topic's end. */
const CAUGHT_UP_LAG = 1000;

/**
 * The backfill of one step: the backlog written and counted by the live jobs first
 * (`prepare`), then, when the steady part begins (`start`), the aggregator restarted with the
 * added job; `result` says how long the added job took and the markers' latency while it ran.
 */
export class StepBackfill {
  private restartedAt = 0;
  /** when the restarted aggregator, counting live records again (its restart's pause over), said the job backfills */
  private backfillingAt: number | undefined;
  /** when the added job's first records were counted */
  private countingAt: number | undefined;
  private liveAt: number | undefined;
  private watching: Promise<void> | undefined;
  private watchingAlone: Promise<number | undefined> | undefined;
  private stopped = false;

  constructor(
    private readonly settings: { brokers: string; partitions: number; logs: string },
    private readonly backlog: { file: string; records: number },
    private readonly port: number,
    private readonly alone?: AloneRace,
  ) {}

  /** The backlog into `topic`, counted by the live jobs (the aggregator on `port`). */
  async prepare(topic: string): Promise<void> {
    await writeBacklog(this.settings, this.backlog.file, topic);
    await waitFor(async () => metricSum(await scrape(this.port), 'streamtally_aggregator_records_total') >= this.backlog.records, {
      what: 'the live jobs counting the backlog',
      timeoutMs: 600_000,
      intervalMs: 250,
    });
  }

  /** Restarts the aggregator with the added job (`restart` does it) and watches the job until it is live. */
  async start(restart: () => Promise<void>): Promise<void> {
    if (this.alone) {
      await this.alone.start();
      this.watchingAlone = this.watchAlone(this.alone);
    }
    await restart();
    this.restartedAt = Date.now();
    this.watching = (async () => {
      while (!this.stopped && Date.now() - this.restartedAt < 600_000) {
        const text = await scrape(this.port).catch(() => '');
        const backfilling = text === '' ? undefined : metricSum(text, 'streamtally_aggregator_job_backfilling', `aggregation="${BACKFILL_JOB}"`);
        // the restart's own pause is over once the new instance has counted live records
        const liveAgain = metricSum(text, 'streamtally_aggregator_records_total') > 0;
        if (backfilling === 1 && liveAgain) this.backfillingAt ??= Date.now();
        if (text !== '' && metricSum(text, 'streamtally_aggregator_backfill_events_total', `aggregation="${BACKFILL_JOB}"`) > 0) this.countingAt ??= Date.now();
        if (backfilling === 0 && this.backfillingAt !== undefined) {
          this.liveAt = Date.now();
          return;
        }
        await sleep(100);
      }
    })();
  }

  /** Seconds from the alone aggregator's first records counted to it being caught up (then it stops). */
  private async watchAlone(alone: AloneRace): Promise<number | undefined> {
    const startedAt = Date.now();
    let countingAt: number | undefined;
    try {
      while (!this.stopped && Date.now() - startedAt < 600_000) {
        const text = await scrape(alone.port).catch(() => '');
        const records = text === '' ? 0 : metricSum(text, 'streamtally_aggregator_records_total');
        if (records > 0) countingAt ??= Date.now();
        if (records >= this.backlog.records && metricSum(text, 'streamtally_aggregator_consumer_lag') <= CAUGHT_UP_LAG)
          return (Date.now() - countingAt!) / 1000;
        await sleep(100);
      }
      return undefined;
    } finally {
      await alone.stop();
    }
  }

  /** How long the job took, and the latency of the markers sent while it backfilled. */
  async result(report: { seen: readonly (readonly number[])[] }, sentAt: readonly number[]): Promise<BackfillRun> {
    await this.watching;
    const aloneSeconds = await this.watchingAlone;
    const run: BackfillRun = { records: this.backlog.records, ...(aloneSeconds !== undefined ? { aloneSeconds } : {}) };
    if (this.liveAt === undefined || this.backfillingAt === undefined) return run;
    run.seconds = (this.liveAt - this.restartedAt) / 1000;
    if (this.countingAt !== undefined) run.countingSeconds = (this.liveAt - this.countingAt) / 1000;
    const during = sentAt.flatMap((at, k) => (at >= this.backfillingAt! && at <= this.liveAt! ? [k] : []));
    if (during.length === 0) return run;
    const { sorted, samples, missing } = markerLatencies(report, sentAt, during[0]!, during[during.length - 1]!);
    run.latencyMs = { samples, missing, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
    return run;
  }

  stop(): void {
    this.stopped = true;
  }
}
