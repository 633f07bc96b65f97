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
import { type FirstRefusal, RefusalGuard } from './refusal-guard';

/**
 * An event due this soon goes out now (its event time stays its slot's). Each wait flushes
 * what is due, so waiting for every millisecond would send a fast paced replay as many small
 * requests; a few ms of slack sends it in bursts (docs/benchmarks.md, "Choices in the code").
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
  /** MAX_REFUSED_FRACTION: a pass refusing this share of its rows stops the replay (default 0.9) */
  maxRefusedFraction?: number;
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
  /** `refused`: (nearly) every row of a pass was refused (MAX_REFUSED_FRACTION); `firstRefusal` says why */
  stoppedBy: 'end of file' | 'limit' | 'signal' | 'refused';
  firstRefusal?: FirstRefusal;
  /** the line the next event would have come from (resume point after a signal) */
  nextLine: number;
  elapsedMs: number;
}

/**
 * What became of one record: handled, go on; handled, and the replay stops (the limit); or
 * interrupted before it was sent (the signal): it is not counted as read, and the next replay
 * starts at its line.
 */
type Verdict = 'continue' | 'stop' | 'interrupted';

/** The parsers of one column order: bytes to bytes for the common row, text for the rest. */
interface Parsers {
  text: ReturnType<typeof createRowParser>;
  bytes: RowBytes;
}

/**
 * Reads the file record by record, turns good rows into events and bad ones into dead
 * letters, and hands both to the sender at the pacer's tempo. Never buffers the file:
 * when the sender is busy, `add` waits and so does the reading.
 */
export function replayFile(settings: ReplaySettings, deps: ReplayDeps): Promise<ReplaySummary> {
  return new Replay(settings, deps).run();
}

/** One replay's state: its summary, the column order of the current pass, and its steps. */
class Replay {
  private readonly summary: ReplaySummary = {
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
  private readonly maxEventRecordBytes: number;
  private readonly canonicalParsers: Parsers;
  private parsers: Parsers;
  private firstRecordOfPass = true;
  private readonly refusals: RefusalGuard;

  constructor(
    private readonly settings: ReplaySettings,
    private readonly deps: ReplayDeps,
  ) {
    this.maxEventRecordBytes = settings.maxEventRecordBytes ?? Infinity;
    this.canonicalParsers = this.parsersFor(CANONICAL_COLUMNS);
    this.parsers = this.canonicalParsers;
    this.refusals = new RefusalGuard(settings.maxRefusedFraction ?? 0.9);
  }

  async run(): Promise<ReplaySummary> {
    const { clock, signal, sender } = this.deps;
    const started = clock.now();
    do {
      if (await this.pass()) break;
      if (this.refusals.endOfPass()) this.summary.stoppedBy = 'refused';
    } while (this.settings.loop && !signal.aborted && this.summary.stoppedBy !== 'refused');
    if (this.summary.stoppedBy === 'refused') this.summary.firstRefusal = this.refusals.firstRefusal!;
    if (signal.aborted && this.summary.stoppedBy !== 'limit') this.summary.stoppedBy = 'signal';
    await sender.drain();
    this.summary.elapsedMs = clock.now() - started;
    return this.summary;
  }

  /** One pass over the file; true when the replay stops (limit or signal) before its end. */
  private async pass(): Promise<boolean> {
    this.summary.passes += 1;
    this.deps.pacer.startPass();
    this.refusals.startPass();
    this.parsers = this.canonicalParsers;
    this.firstRecordOfPass = true;
    const splitter = new RecordSplitter(this.settings.maxRowBytes);
    for await (const chunk of this.deps.openFile()) {
      this.deps.hooks?.onBytesRead?.(chunk.length);
      for (const record of splitter.push(chunk)) {
        const verdict = this.handle(record);
        // the common case, kept free of promises: a record handled at once
        if (verdict === 'continue') this.read(record);
        else if (await this.stops(record, verdict)) return true;
      }
    }
    for (const record of splitter.end()) {
      if (await this.stops(record, this.handle(record))) return true;
    }
    return false;
  }

  private async stops(record: RawRecord, pending: Verdict | Promise<Verdict>): Promise<boolean> {
    const verdict = await pending;
    if (verdict === 'interrupted') {
      this.summary.nextLine = record.line;
      return true;
    }
    this.read(record);
    return verdict === 'stop';
  }

  private read(record: RawRecord): void {
    this.summary.linesRead += 1;
    this.summary.nextLine = record.line + 1;
  }

  /**
   * One record. Synchronous unless it has to wait (for the pacer, a full batch or a dead
   * letter): most records of a fast replay never make a promise.
   */
  private handle(record: RawRecord): Verdict | Promise<Verdict> {
    if (this.deps.signal.aborted) return 'interrupted';
    if (record.problem) return this.deadLetter(record, record.problem);
    if (record.bytes.length === 0) {
      this.summary.blankLines += 1;
      return 'continue';
    }
    const { bytes } = this.parsers;
    if (!this.firstRecordOfPass && bytes.parse(record.bytes)) {
      return this.paced(bytes.month, bytes.day, record, (ts) => this.sendEncodedRow(ts, record));
    }
    const decoded = decodeRecord(record);
    if (!decoded.ok) return this.deadLetter(record, decoded);
    if (this.firstRecordOfPass) return this.headerOrRow(record, decoded.text);
    return this.row(record, decoded.text);
  }

  /** The first record of a pass: a header sets the column order, anything else is a row. */
  private headerOrRow(record: RawRecord, text: string): Verdict | Promise<Verdict> {
    this.firstRecordOfPass = false;
    const fields = splitFields(text);
    if (!Array.isArray(fields) || !isHeader(fields)) return this.row(record, text);
    this.summary.headerLines += 1;
    const fromHeader = columnsFromHeader(fields);
    if (!Array.isArray(fromHeader)) return this.deadLetter(record, fromHeader);
    this.parsers = this.parsersFor(fromHeader);
    return 'continue';
  }

  /** A row the byte parser could not take (quotes, escapes, a problem to name): read as text. */
  private row(record: RawRecord, text: string): Verdict | Promise<Verdict> {
    const parsed = this.parsers.text(text, record.line);
    if (!parsed.ok) return this.deadLetter(record, parsed);
    return this.paced(parsed.row.month, parsed.row.day, record, (ts) => this.sendRow(parsed.row, ts, record));
  }

  /** Sends at the pacer's tempo; the pacer may make it wait, and nothing else is read meanwhile. */
  private paced(month: number, day: number, record: RawRecord, send: (ts: number) => Verdict | Promise<Verdict>): Verdict | Promise<Verdict> {
    const { pacer, clock } = this.deps;
    const decision = pacer.next(clock.now(), dataDay(this.settings.year, month, day));
    if (decision.delayMs >= PACE_SLACK_MS) return this.sendWhenDue(decision, () => send(decision.ts));
    return send(decision.ts);
  }

  private async sendWhenDue(decision: PaceDecision, send: () => Verdict | Promise<Verdict>): Promise<Verdict> {
    const { sender, clock, signal } = this.deps;
    await sender.flush(); // what is due goes out now, not when the batch fills
    await clock.sleep(decision.delayMs, signal);
    if (signal.aborted) return 'interrupted';
    return send();
  }

  private sendRow(event: UserLogRow, ts: number, record: RawRecord): Verdict | Promise<Verdict> {
    event.ts = ts;
    const value = encodeUserActionText(event);
    const key = String(event.user_id);
    // a UTF-16 length times 3 bounds the UTF-8 size: most rows skip the exact count
    if (value.length * 3 + key.length > this.maxEventRecordBytes && Buffer.byteLength(value) + key.length > this.maxEventRecordBytes) {
      return this.tooLargeForTopic(record, Buffer.byteLength(value) + key.length);
    }
    return this.sent(this.deps.sender.add(this.settings.eventTopic, { key, value }));
  }

  /** The row `parsers.bytes` just read, encoded in place. */
  private sendEncodedRow(ts: number, record: RawRecord): Verdict | Promise<Verdict> {
    const row = this.parsers.bytes;
    const bytes = row.encode(ts, record.line);
    if (bytes > this.maxEventRecordBytes) return this.tooLargeForTopic(record, bytes);
    return this.sent(this.deps.sender.addEncoded(this.settings.eventTopic, row.out, row.keyBytes, row.valueBytes));
  }

  /** An event is in the batch (or waiting for room): counted, and the limit checked. */
  private sent(waiting: Promise<void> | undefined): Verdict | Promise<Verdict> {
    this.summary.events += 1;
    this.refusals.accepted();
    this.deps.hooks?.onEvents?.(1);
    let verdict: Verdict = 'continue';
    if (this.settings.limit !== undefined && this.summary.events >= this.settings.limit) {
      this.summary.stoppedBy = 'limit';
      verdict = 'stop';
    }
    return waiting ? waiting.then(() => verdict) : verdict;
  }

  private tooLargeForTopic(record: RawRecord, bytes: number): Verdict | Promise<Verdict> {
    const { eventTopic } = this.settings;
    return this.deadLetter(
      record,
      problem('too_large_for_topic', `record: ${bytes} bytes, more than topic ${eventTopic} takes (${this.maxEventRecordBytes}, from its max.message.bytes)`),
    );
  }

  /** A refused row: a dead letter, at the pace's tempo; the replay stops when (nearly) every row is refused. */
  private deadLetter(record: RawRecord, why: Problem): Verdict | Promise<Verdict> {
    const { summary, settings, deps } = this;
    summary.deadLettered += 1;
    summary.deadLetterReasons[why.code] = (summary.deadLetterReasons[why.code] ?? 0) + 1;
    deps.hooks?.onDeadLetter?.(why.code);
    const verdict: Verdict = this.refusals.refusedRow(record.line, why) ? 'stop' : 'continue';
    if (verdict === 'stop') summary.stoppedBy = 'refused';
    const letter = fileDeadLetter(settings.file, record.line, record.bytes, why, deps.clock.now(), record.totalBytes);
    const send = (): Verdict | Promise<Verdict> => {
      const waiting = deps.sender.add(settings.deadLetterTopic, letter);
      return waiting ? waiting.then(() => verdict) : verdict;
    };
    const decision = deps.pacer.nextRefused(deps.clock.now());
    return decision.delayMs >= PACE_SLACK_MS ? this.sendWhenDue(decision, send) : send();
  }

  private parsersFor(columns: readonly UserLogColumn[]): Parsers {
    return {
      text: createRowParser(columns, this.settings.maxFieldBytes),
      bytes: new RowBytes(columns, this.settings.maxFieldBytes, this.settings.maxRowBytes),
    };
  }
}
