import { encodeUserActionText, problem, type Problem, type ProblemCode } from '@streamtally/contracts';
import type { Logger } from 'pino';
import { decodeRecord } from '../csv/record-decoder';
import { RowBytes } from '../csv/row-bytes';
import { RawRecord, RecordSplitter } from '../csv/record-splitter';
import { CANONICAL_COLUMNS, columnsFromHeader, createRowParser, isHeader, UserLogColumn, UserLogRow } from '../csv/user-log-row';
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
  /** events handed to the sender (one call per event here; the replay thread reports per batch) */
  onEvents?(count: number): void;
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
  const maxEventRecordBytes = settings.maxEventRecordBytes ?? Infinity;
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
  /** each column order's two parsers: bytes to bytes for the common row, text for the rest */
  const parsersFor = (columns: readonly UserLogColumn[]) => ({
    text: createRowParser(columns, settings.maxFieldBytes),
    bytes: new RowBytes(columns, settings.maxFieldBytes, settings.maxRowBytes),
  });
  const canonicalParsers = parsersFor(CANONICAL_COLUMNS);
  let parsers = canonicalParsers;
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
      parsers = parsersFor(fromHeader);
      return 'continue';
    }
    return row(record, text);
  }

  async function sendWhenDue(decision: PaceDecision, record: RawRecord, send: () => Verdict | Promise<Verdict>): Promise<Verdict> {
    await sender.flush(); // what is due goes out now, not when the batch fills
    await clock.sleep(decision.delayMs, signal);
    if (signal.aborted) {
      summary.linesRead -= 1;
      summary.nextLine = record.line;
      return 'stop';
    }
    return send();
  }

  function tooLargeForTopic(record: RawRecord, bytes: number): Promise<Verdict> {
    return deadLetter(
      record,
      problem(
        'too_large_for_topic',
        `record: ${bytes} bytes, more than topic ${settings.eventTopic} takes (${maxEventRecordBytes}, from its max.message.bytes)`,
      ),
    );
  }

  /** An event is in the batch (or waiting for room): counted, and the limit checked. */
  function sent(waiting: Promise<void> | undefined): Verdict | Promise<Verdict> {
    summary.events += 1;
    hooks?.onEvents?.(1);
    let verdict: Verdict = 'continue';
    if (settings.limit !== undefined && summary.events >= settings.limit) {
      summary.stoppedBy = 'limit';
      verdict = 'stop';
    }
    return waiting ? waiting.then(() => verdict) : verdict;
  }

  function sendRow(event: UserLogRow, ts: number, record: RawRecord): Verdict | Promise<Verdict> {
    event.ts = ts;
    const value = encodeUserActionText(event);
    const key = String(event.user_id);
    // a UTF-16 length times 3 bounds the UTF-8 size: most rows skip the exact count
    if (value.length * 3 + key.length > maxEventRecordBytes && Buffer.byteLength(value) + key.length > maxEventRecordBytes) {
      return tooLargeForTopic(record, Buffer.byteLength(value) + key.length);
    }
    return sent(sender.add(settings.eventTopic, { key, value }));
  }

  /** The row `parsers.bytes` just read, encoded in place. */
  function sendEncodedRow(ts: number, record: RawRecord): Verdict | Promise<Verdict> {
    const row = parsers.bytes;
    const bytes = row.encode(ts, record.line);
    if (bytes > maxEventRecordBytes) return tooLargeForTopic(record, bytes);
    return sent(sender.addEncoded(settings.eventTopic, row.out, row.keyBytes, row.valueBytes));
  }

  function row(record: RawRecord, text: string): Verdict | Promise<Verdict> {
    const parsed = parsers.text(text, record.line);
    if (!parsed.ok) return deadLetter(record, parsed);
    const decision = pacer.next(clock.now(), dataDay(settings.year, parsed.row.month, parsed.row.day));
    if (decision.delayMs >= PACE_SLACK_MS) return sendWhenDue(decision, record, () => sendRow(parsed.row, decision.ts, record));
    return sendRow(parsed.row, decision.ts, record);
  }

  /** A row read from its bytes; the pacer may make it wait, and nothing else is read meanwhile. */
  function rowFromBytes(record: RawRecord): Verdict | Promise<Verdict> {
    const decision = pacer.next(clock.now(), dataDay(settings.year, parsers.bytes.month, parsers.bytes.day));
    if (decision.delayMs >= PACE_SLACK_MS) return sendWhenDue(decision, record, () => sendEncodedRow(decision.ts, record));
    return sendEncodedRow(decision.ts, record);
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
    if (!firstRecordOfPass && parsers.bytes.parse(record.bytes)) return rowFromBytes(record);
    const decoded = decodeRecord(record);
    if (!decoded.ok) return deadLetter(record, decoded);
    if (firstRecordOfPass) return headerOrRow(record, decoded.text);
    return row(record, decoded.text);
  }

  const stopped = async (verdict: Verdict | Promise<Verdict>): Promise<boolean> => (typeof verdict === 'string' ? verdict : await verdict) === 'stop';

  passes: do {
    summary.passes += 1;
    pacer.startPass();
    parsers = canonicalParsers;
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
