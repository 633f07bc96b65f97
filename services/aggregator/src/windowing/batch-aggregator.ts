import { boundedDeadLetter, DeadLetter, LateEvent, windowResultKey } from '@streamtally/contracts';
import type { SourceEvent } from '@streamtally/contracts/sources';
import { Job } from '../jobs/job-schema';
import { foldRow } from './cell-fold';
import { keyOf, wordsOf } from './event-keys';
import { type TimeWindowSpec, windowTypeOf } from './window-types/registry';
import type { TimeWindowType } from './window-types/window-type';
import { isLateForSession, MAX_SESSION_KEY_LENGTH, SessionTally } from './sessions';

export type { InputRecord as InputMessage } from '../sources/input-source';
import type { InputRecord as InputMessage } from '../sources/input-source';

/** When the oldest record of a batch was written to Kafka (ms); undefined when none says. */
export function oldestWrittenAt(messages: readonly InputMessage[]): number | undefined {
  let oldest = Infinity;
  for (const m of messages) {
    const at = Number(m.timestamp);
    if (at < oldest) oldest = at; // NaN (no timestamp) never compares less
  }
  return Number.isFinite(oldest) ? oldest : undefined;
}

export type { CellRows } from './cell-fold';
import type { CellRows } from './cell-fold';
import type { CellOp } from '../aggregates/aggregate';

/** Count increments for one window of one job, and its aggregates' cells folded over the batch. */
export interface WindowDelta {
  /** the job's state name (its name, or `name~gN` for a later generation) */
  job: string;
  windowStart: number;
  windowEnd: number | null;
  /** a session's key (its one key): a session window is one key's, not every key's */
  sessionKey?: string;
  counts: Map<string, number>;
  /** key -> the batch's folded value of each state cell of the job (job.cells order; a set's elements for `hll`); absent for a count-only job */
  cells?: CellRows;
}

export interface BatchInput {
  topic: string;
  partition: number;
  messages: InputMessage[];
  /** highest event time this partition has seen before the batch; -Infinity when none */
  maxTs: number;
  /** per job (by state name): windows ending at or before this are closed (their finals may be out) */
  closedBefore: ReadonlyMap<string, number>;
  /** the jobs counted (of those reading this topic) */
  jobs: readonly Job[];
  /** the topic's source, when no job is counted and the records are only checked (their dead letters) */
  source?: Job['input'];
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

/** Reads the event's value for each cell into `values`; returns why one cannot be kept, if one cannot. */
function readCells(cells: Job['cells'], event: SourceEvent, values: CellValue[]): string | undefined {
  for (let c = 0; c < cells.length; c += 1) {
    const value = cells[c]!.read(event);
    if (value !== null && typeof value === 'object') return value.refused;
    values[c] = value;
  }
  return undefined;
}

/** An event's value for one cell: a number, a set's element (text), or none. */
type CellValue = number | string | null;

function deadLetterOf(input: BatchInput, message: InputMessage, failure: { code: DeadLetter['code']; error: string; field?: string }): DeadLetter {
  const letter = boundedDeadLetter(
    { code: failure.code, reason: failure.error },
    message.value ?? Buffer.alloc(0),
    'base64',
    { topic: input.topic, partition: input.partition, offset: message.offset },
    input.now,
  );
  return failure.field === undefined ? letter : { ...letter, field: failure.field };
}

/** One job's running tally over a batch. */
interface JobTally {
  job: Job;
  /** the job's closed point for this batch */
  closedBefore: number;
  /** window start -> delta: numeric keys, so no string is built per event */
  byStart: Map<number, WindowDelta>;
  events: number;
  late: number;
  /** this event's value per state cell (job.cells order), reused from event to event */
  values: CellValue[];
  /** the job's state cells' ops (job.cells order) */
  ops: CellOp[];
  /** a time window job's type (where an event's windows are); absent for a session job */
  time?: TimeWindowType<TimeWindowSpec>;
  /** a session job's events by key, cut into sessions once the batch is read, and its gap */
  sessions?: SessionTally;
  gapMs?: number;
}

/** A job's tally for one batch: its closed point, and what its window type needs. */
function tallyOf(job: Job, closedBefore: number): JobTally {
  const ops = job.cells.map((c) => c.op);
  const base = { job, closedBefore, byStart: new Map(), events: 0, late: 0, values: new Array<CellValue>(job.cells.length).fill(null), ops };
  const type = windowTypeOf(job.window);
  if (type.family === 'time') return { ...base, time: type as TimeWindowType<TimeWindowSpec> };
  const gapMs = type.gapOf(job.window);
  return { ...base, gapMs, sessions: new SessionTally(job.stateId, gapMs, ops) };
}

/**
 * Folds one partition's batch into window deltas. An event is late for a window when the
 * window ended at or before the partition's watermark for the job (max event time seen so
 * far minus the allowed lateness) or at or before the job's closed point; late events are
 * returned for the late-events topic, undecodable records as dead letters. Pure.
 *
 * This runs for every event the aggregator reads (hundreds of thousands a second), so it
 * works per job on numbers and Maps and builds the keyed output once, at the end.
 */
// eslint-disable-next-line max-lines-per-function -- the per-event loop, kept in one function: it runs for every event read (see above)
export function aggregateBatch(input: BatchInput): BatchOutput {
  const out: BatchOutput = {
    deltas: new Map(),
    late: [],
    deadLetters: [],
    maxTs: input.maxTs,
    eventsPerJob: new Map(),
    latePerJob: new Map(),
  };
  const tallies: JobTally[] = input.jobs.map((job) => tallyOf(job, input.closedBefore.get(job.stateId) ?? -Infinity));
  // every job of a topic reads it through one source (the jobs file is refused otherwise)
  const source = input.jobs[0]?.input ?? input.source;
  for (const message of input.messages) {
    if (!source) break;
    const decoded = source.decode(message);
    if (!decoded.ok) {
      out.deadLetters.push({ key: `${input.topic}/${input.partition}/${message.offset}`, letter: deadLetterOf(input, message, decoded) });
      continue;
    }
    const event = decoded.value;
    let refused = false;
    for (const tally of tallies) {
      const { job } = tally;
      if (job.filter && !job.filter(event)) continue;
      const keys = 'fields' in job.key ? keyOf(event, job.key.fields) : wordsOf(String(event[job.key.words] ?? ''));
      if (keys.length === 0) continue;
      const cells = job.cells;
      const values = tally.values;
      const problem = readCells(cells, event, values);
      if (problem !== undefined) {
        // a value the job cannot keep exactly: the record is a dead letter (once), the job skips it
        if (!refused)
          out.deadLetters.push({
            key: `${input.topic}/${input.partition}/${message.offset}`,
            letter: deadLetterOf(input, message, { code: 'out_of_range', error: `job "${job.name}": ${problem}` }),
          });
        refused = true;
        continue;
      }
      const time = tally.time;
      if (!time) {
        if (countInSessions(tally, tally.gapMs!, keys, event, input, message, out)) tally.events += 1;
        continue;
      }
      const window = job.window as TimeWindowSpec;
      const lateBefore = Math.max(out.maxTs - job.allowedLatenessMs, tally.closedBefore);
      let counted = false;
      // a type with one window per event (tumbling, the common case) gives its start without an array
      const startOf = time.startOf;
      const starts = startOf ? undefined : time.startsFor(window, event.ts);
      const windows = starts ? starts.length : 1;
      for (let w = 0; w < windows; w += 1) {
        const start = startOf ? startOf(window, event.ts) : starts![w]!;
        const end = time.end(window, start);
        if (end !== null && end <= lateBefore) {
          out.late.push({
            job: job.name,
            windowStart: start,
            windowEnd: end,
            eventTs: event.ts,
            watermark: lateBefore,
            source: { topic: input.topic, partition: input.partition, offset: message.offset },
            event,
          });
          tally.late += 1;
          continue;
        }
        counted = true;
        let delta = tally.byStart.get(start);
        if (!delta)
          tally.byStart.set(
            start,
            (delta = {
              job: job.stateId,
              windowStart: start,
              windowEnd: end,
              counts: new Map(),
              ...(cells.length > 0 ? { cells: new Map() } : {}),
            }),
          );
        const counts = delta.counts;
        if (typeof keys === 'string') counts.set(keys, (counts.get(keys) ?? 0) + 1);
        else for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
        if (cells.length > 0) {
          if (typeof keys === 'string') foldRow(delta.cells!, tally.ops, keys, values);
          else for (const key of keys) foldRow(delta.cells!, tally.ops, key, values);
        }
      }
      if (counted) tally.events += 1;
    }
    if (event.ts > out.maxTs) out.maxTs = event.ts;
  }
  for (const tally of tallies) {
    for (const [start, delta] of tally.byStart) out.deltas.set(windowResultKey(tally.job.stateId, start), delta);
    for (const session of tally.sessions?.deltas() ?? []) out.deltas.set(windowResultKey(tally.job.stateId, session.windowStart, session.sessionKey), session);
    if (tally.events > 0) out.eventsPerJob.set(tally.job.name, tally.events);
    if (tally.late > 0) out.latePerJob.set(tally.job.name, tally.late);
  }
  return out;
}

/**
 * A session job's part of one event: each of its keys gets the event in its sessions, unless
 * the event is late for it (see windowing/sessions) or the key is too long to name a session.
 * Returns whether any key counted it.
 */
function countInSessions(
  tally: JobTally,
  gapMs: number,
  keys: string | string[],
  event: SourceEvent,
  input: BatchInput,
  message: InputMessage,
  out: BatchOutput,
): boolean {
  const { job } = tally;
  const watermark = out.maxTs - job.allowedLatenessMs;
  if (isLateForSession(event.ts, gapMs, watermark, tally.closedBefore)) {
    out.late.push({
      job: job.name,
      windowStart: event.ts,
      windowEnd: event.ts + gapMs,
      eventTs: event.ts,
      watermark: Math.max(watermark, tally.closedBefore),
      source: { topic: input.topic, partition: input.partition, offset: message.offset },
      event,
    });
    tally.late += 1;
    return false;
  }
  let counted = false;
  let refused = false;
  for (const key of typeof keys === 'string' ? [keys] : keys) {
    if (key.length > MAX_SESSION_KEY_LENGTH) {
      // one dead letter per record and job (its key names them), however many of its words are too long
      if (refused) continue;
      refused = true;
      out.deadLetters.push({
        key: `${input.topic}/${input.partition}/${message.offset}/${job.name}`,
        letter: deadLetterOf(input, message, {
          code: 'too_large',
          error: `job "${job.name}": a session key of ${key.length} characters, more than ${MAX_SESSION_KEY_LENGTH}`,
        }),
      });
      continue;
    }
    tally.sessions!.add(key, event.ts, tally.values);
    counted = true;
  }
  return counted;
}
