import { DeadLetter, decodeTextLine, decodeUserAction, LateEvent } from '@streamtally/contracts';
import { Job } from '../jobs/job-schema';
import { windowEnd, windowStartsFor } from './windows';

export interface InputMessage {
  offset: string;
  value: Buffer | null;
}

/** Count increments for one window of one job. */
export interface WindowDelta {
  job: string;
  windowStart: number;
  windowEnd: number | null;
  counts: Map<string, number>;
}

export interface BatchInput {
  topic: string;
  partition: number;
  messages: InputMessage[];
  /** highest event time this partition has seen before the batch; -Infinity when none */
  maxTs: number;
  /** per job: windows ending at or before this are closed (their finals may be out) */
  closedBefore: ReadonlyMap<string, number>;
  /** the jobs reading this topic */
  jobs: readonly Job[];
  /** wall clock, for the dead letters' `at` */
  now: number;
}

export interface BatchOutput {
  /** keyed by `${job}@${windowStart}` */
  deltas: Map<string, WindowDelta>;
  late: LateEvent[];
  deadLetters: { key: string; letter: DeadLetter }[];
  maxTs: number;
  eventsPerJob: Map<string, number>;
  latePerJob: Map<string, number>;
}

const WORD_SEPARATOR = /[^\p{L}\p{N}']+/u;

/** The words of a text: lower-cased, split on anything that is not a letter, digit or apostrophe. */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(WORD_SEPARATOR)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
}

/**
 * Folds one partition's batch into window deltas. An event is late for a window when the
 * window ended at or before the partition's watermark for the job (max event time seen so
 * far minus the allowed lateness) or at or before the job's closed point; late events are
 * returned for the late-events topic, undecodable records as dead letters. Pure.
 */
export function aggregateBatch(input: BatchInput): BatchOutput {
  const out: BatchOutput = {
    deltas: new Map(), late: [], deadLetters: [], maxTs: input.maxTs, eventsPerJob: new Map(), latePerJob: new Map(),
  };
  const format = input.jobs[0]?.format ?? 'user-action';
  for (const message of input.messages) {
    const decoded = format === 'text-line' ? decodeTextLine(message.value) : decodeUserAction(message.value);
    if (!decoded.ok) {
      out.deadLetters.push({
        key: `${input.topic}/${input.partition}/${message.offset}`,
        letter: {
          reason: decoded.error,
          raw: message.value?.toString('base64') ?? '',
          encoding: 'base64',
          source: { topic: input.topic, partition: input.partition, offset: message.offset },
          at: input.now,
        },
      });
      continue;
    }
    const event = decoded.value as unknown as Record<string, unknown> & { ts: number };
    for (const job of input.jobs) {
      if (job.filter && !job.filter(event)) continue;
      const keys = 'field' in job.key ? [String(event[job.key.field])] : wordsOf(String(event[job.key.words] ?? ''));
      if (keys.length === 0) continue;
      const lateBefore = Math.max(out.maxTs - job.allowedLatenessMs, input.closedBefore.get(job.name) ?? -Infinity);
      let counted = false;
      for (const start of windowStartsFor(job.window, event.ts)) {
        const end = windowEnd(job.window, start);
        if (end !== null && end <= lateBefore) {
          out.late.push({
            job: job.name, windowStart: start, windowEnd: end, eventTs: event.ts, watermark: lateBefore,
            source: { topic: input.topic, partition: input.partition, offset: message.offset }, event,
          });
          out.latePerJob.set(job.name, (out.latePerJob.get(job.name) ?? 0) + 1);
          continue;
        }
        counted = true;
        const id = `${job.name}@${start}`;
        let delta = out.deltas.get(id);
        if (!delta) out.deltas.set(id, (delta = { job: job.name, windowStart: start, windowEnd: end, counts: new Map() }));
        for (const key of keys) delta.counts.set(key, (delta.counts.get(key) ?? 0) + 1);
      }
      if (counted) out.eventsPerJob.set(job.name, (out.eventsPerJob.get(job.name) ?? 0) + 1);
    }
    if (event.ts > out.maxTs) out.maxTs = event.ts;
  }
  return out;
}
