// A backfill during a pipeline step (BACKFILL_FILE): the input topic first holds the file's
// rows, the live jobs count them, then the aggregator restarts with one job more, which counts
// the whole backlog again on the catch-up reader while the step's live input, clients and
// markers run. How long it took and how fast are measured from the aggregator's own gauges.
import { sleep } from '@streamtally/observability';
import { waitFor } from '@streamtally/test-support';
import { metricSum, scrape } from './metrics-text';
import { type Started, startLogged } from './processes';

/** The added job: the shipped per-second chart under another name, so `aggregator.sh` measures the same job alone. */
export const BACKFILL_JOB = 'gender-per-second-again';

export function backfillJob(source: string): object {
  return { name: BACKFILL_JOB, source, key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 }, allowedLatenessMs: 1000 };
}

/** Replays `file` once into `topic` as fast as it goes (what scripts/bench/lib.sh's write_backlog does); resolves with the rows written. */
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

/** Waits until the aggregator on `port` has counted `records` input records. */
export async function countedUpTo(port: number, records: number): Promise<void> {
  await waitFor(async () => metricSum(await scrape(port), 'streamtally_aggregator_records_total') >= records, {
    what: 'the live jobs counting the backlog',
    timeoutMs: 600_000,
    intervalMs: 250,
  });
}

export interface BackfillRun {
  /** seconds from the restart to the job being live, once it is */
  seconds?: number;
  records: number;
}

/** Watches the added job from the aggregator's restart until it is live (or `stop` is called, or 10 minutes pass). */
export function watchBackfill(port: () => number, records: number): { done: Promise<BackfillRun>; stop(): void } {
  let stopped = false;
  const started = Date.now();
  const done = (async (): Promise<BackfillRun> => {
    let seenBackfilling = false;
    while (!stopped && Date.now() - started < 600_000) {
      const text = await scrape(port()).catch(() => '');
      const backfilling = metricSum(text, 'streamtally_aggregator_job_backfilling', `aggregation="${BACKFILL_JOB}"`);
      if (text !== '' && backfilling === 1) seenBackfilling = true;
      if (seenBackfilling && text !== '' && backfilling === 0) return { seconds: (Date.now() - started) / 1000, records };
      await sleep(100);
    }
    return { records };
  })();
  return {
    done,
    stop: () => {
      stopped = true;
    },
  };
}

export type { Started };
