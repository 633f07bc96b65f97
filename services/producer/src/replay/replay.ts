import { encodeUserActionText, problem, type Problem, type ProblemCode } from '@streamtally/contracts';
import type { Logger } from 'pino';
import { decodeRecord } from '../csv/record-decoder';
import { RawRecord, RecordSplitter } from '../csv/record-splitter';
import { CANONICAL_COLUMNS, columnsFromHeader, createRowParser, isHeader, RowParser, UserLogRow } from '../csv/user-log-row';
import { splitFields } from '../csv/fields';
import { dataDay, PaceDecision, Pacer } from '../pacing/pacer';
import { BatchSender } from './batch-sender';
import { Clock } from './clock';
import { fileDeadLetter } from './dead-letter';

/**
 * An event due this soon goes out now (its event time stays its slot's). Each wait flushes
 * what is due, so waiting for every 1 ms made a 100,000/s replay send 1,000 small requests a
 * second; 5 ms sends in bursts of ~500 at that rate, for a third less CPU (docs/benchmarks.md).
 */
export const PACE_SLACK_MS = 5;

export interface ReplaySettings {
  /** the file's name as it appears in dead letters */
  file: string;
  eventTopic: string;
  deadLetterTopic: string;
  /** the year the data's month/day belong to */
  year: number;
  /** stop after this many events (good rows); undefined = no limit */
  limit?: number;
  loop: boolean;
  /** the longest row, in bytes; a longer one is a dead letter */
  maxRowBytes: number;
  /** the longest text field (province), in bytes */
  maxFieldBytes: number;
  /** the largest record the event topic takes (from its max.message.bytes); larger ones are dead letters */
  maxEventRecordBytes?: number;
}

export interface ReplayHooks {
  onBytesRead?(bytes: number): void;
  onEvent?(): void;
  onDeadLetter?(code: ProblemCode): void;
}

export interface ReplayDeps {
  /** opens the file afresh for each pass */
  openFile(): AsyncIterable<Buffer>;
  pacer: Pacer;
  sender: BatchSender;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  hooks?: ReplayHooks;
}

export interface ReplaySummary {
  passes: number;
  linesRead: number;
  events: number;
  deadLettered: number;
  /** dead letters per problem code */
  deadLetterReasons: Partial<Record<ProblemCode, number>>;
  headerLines: number;
  blankLines: number;
  stoppedBy: 'end of file' | 'limit' | 'signal';
  /** the line the next event would have come from (resume point after a signal) */
  nextLine: number;
  elapsedMs: number;
}

type Verdict = 'continue' | 'stop';

/**
 * Reads the file record by record, turns good rows into events and bad ones into dead
 * letters, and hands both to the sender at the pacer's tempo. Never buffers the file:
 * when the sender is busy, `add` waits and so does the reading.
 */
export async function replayFile(settings: ReplaySettings, deps: ReplayDeps): Promise<ReplaySummary> {
  const { pacer, sender, clock, signal, hooks } = deps;
  const started = clock.now();
  const summary: ReplaySummary = {
    passes: 0,
    linesRead: 0,
    events: 0,
    deadLettered: 0,
    deadLetterReasons: {},
    headerLines: 0,
    blankLines: 0,
    stoppedBy: 'end of file',
    nextLine: 1,
    elapsedMs: 0,
  };
  const canonicalParser = createRowParser(CANONICAL_COLUMNS, settings.maxFieldBytes);
  let parseRow: RowParser = canonicalParser;
  let firstRecordOfPass = true;

  async function deadLetter(record: RawRecord, why: Problem): Promise<Verdict> {
    summary.deadLettered += 1;
    summary.deadLetterReasons[why.code] = (summary.deadLetterReasons[why.code] ?? 0) + 1;
    hooks?.onDeadLetter?.(why.code);
    await sender.add(settings.deadLetterTopic, fileDeadLetter(settings.file, record.line, record.bytes, why, clock.now(), record.totalBytes));
    return 'continue';
  }

  /** The first record of a pass: a header sets the column order, anything else is a row. */
  async function headerOrRow(record: RawRecord, text: string): Promise<Verdict> {
    firstRecordOfPass = false;
    const fields = splitFields(text);
    if (Array.isArray(fields) && isHeader(fields)) {
      summary.headerLines += 1;
      const fromHeader = columnsFromHeader(fields);
      if (!Array.isArray(fromHeader)) return deadLetter(record, fromHeader);
      parseRow = createRowParser(fromHeader, settings.maxFieldBytes);
      return 'continue';
    }
    return row(record, text);
  }

  async function sendWhenDue(event: UserLogRow, decision: PaceDecision, record: RawRecord): Promise<Verdict> {
    await sender.flush(); // what is due goes out now, not when the batch fills
    await clock.sleep(decision.delayMs, signal);
    if (signal.aborted) {
      summary.linesRead -= 1;
      summary.nextLine = record.line;
      return 'stop';
    }
    return send(event, decision.ts, record);
  }

  function send(event: UserLogRow, ts: number, record: RawRecord): Verdict | Promise<Verdict> {
    event.ts = ts;
    const value = encodeUserActionText(event);
    const key = String(event.user_id);
    const limit = settings.maxEventRecordBytes ?? Infinity;
    // a UTF-16 length times 3 bounds the UTF-8 size: most rows skip the exact count
    if (value.length * 3 + key.length > limit && Buffer.byteLength(value) + key.length > limit) {
      return deadLetter(
        record,
        problem(
          'too_large_for_topic',
          `record: ${Buffer.byteLength(value) + key.length} bytes, more than topic ${settings.eventTopic} takes (${limit}, from its max.message.bytes)`,
        ),
      );
    }
    const waiting = sender.add(settings.eventTopic, { key, value });
    summary.events += 1;
    hooks?.onEvent?.();
    let verdict: Verdict = 'continue';
    if (settings.limit !== undefined && summary.events >= settings.limit) {
      summary.stoppedBy = 'limit';
      verdict = 'stop';
    }
    return waiting ? waiting.then(() => verdict) : verdict;
  }

  function row(record: RawRecord, text: string): Verdict | Promise<Verdict> {
    const parsed = parseRow(text, record.line);
    if (!parsed.ok) return deadLetter(record, parsed);
    const decision = pacer.next(clock.now(), dataDay(settings.year, parsed.row.month, parsed.row.day));
    if (decision.delayMs >= PACE_SLACK_MS) return sendWhenDue(parsed.row, decision, record);
    return send(parsed.row, decision.ts, record);
  }

  /**
   * One record. Synchronous unless it has to wait (for the pacer, a full batch or a dead
   * letter): most records of a fast replay never make a promise.
   */
  function handle(record: RawRecord): Verdict | Promise<Verdict> {
    if (signal.aborted) return 'stop';
    summary.linesRead += 1;
    summary.nextLine = record.line + 1;
    if (record.problem) return deadLetter(record, record.problem);
    if (record.bytes.length === 0) {
      summary.blankLines += 1;
      return 'continue';
    }
    const decoded = decodeRecord(record);
    if (!decoded.ok) return deadLetter(record, decoded);
    if (firstRecordOfPass) return headerOrRow(record, decoded.text);
    return row(record, decoded.text);
  }

  const stopped = async (verdict: Verdict | Promise<Verdict>): Promise<boolean> => (typeof verdict === 'string' ? verdict : await verdict) === 'stop';

  passes: do {
    summary.passes += 1;
    pacer.startPass();
    parseRow = canonicalParser;
    firstRecordOfPass = true;
    const splitter = new RecordSplitter(settings.maxRowBytes);
    for await (const chunk of deps.openFile()) {
      hooks?.onBytesRead?.(chunk.length);
      for (const record of splitter.push(chunk)) {
        const verdict = handle(record);
        if (verdict === 'continue') continue;
        if (await stopped(verdict)) break passes;
      }
    }
    for (const record of splitter.end()) {
      if (await stopped(handle(record))) break passes;
    }
  } while (settings.loop && !signal.aborted);

  if (signal.aborted && summary.stoppedBy !== 'limit') summary.stoppedBy = 'signal';
  await sender.drain();
  summary.elapsedMs = clock.now() - started;
  return summary;
}
