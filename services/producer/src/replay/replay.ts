import type { ProblemCode } from '@streamtally/contracts';
import type { Logger } from 'pino';
import type { RawRecord } from '../csv/record-splitter';
import { type EventRows, HEADER, type RowProblem } from '../rows/event-rows';
import type { PaceDecision, Pacer } from '../pacing/pacer';
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
  deadLetterTopic: string;
  /** stop after this many events (good rows); undefined = no limit */
  limit?: number;
  loop: boolean;
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
  /** the file's kind: how records are cut, read and encoded (rows/file-kinds.ts) */
  rows: EventRows;
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

/**
 * Reads the file record by record, turns good rows into events and bad ones into dead
 * letters, and hands both to the sender at the pacer's tempo. Never buffers the file:
 * when the sender is busy, `add` waits and so does the reading.
 */
export function replayFile(settings: ReplaySettings, deps: ReplayDeps): Promise<ReplaySummary> {
  return new Replay(settings, deps).run();
}

/** One replay's state: its summary and its steps; what a record is belongs to `deps.rows`. */
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
  private readonly refusals: RefusalGuard;

  constructor(
    private readonly settings: ReplaySettings,
    private readonly deps: ReplayDeps,
  ) {
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

  /** One pass over the file; true when the replay stops (limit, signal or refusal) before its end. */
  private async pass(): Promise<boolean> {
    this.summary.passes += 1;
    this.deps.pacer.startPass();
    this.refusals.startPass();
    const cutter = this.deps.rows.startPass();
    for await (const chunk of this.deps.openFile()) {
      this.deps.hooks?.onBytesRead?.(chunk.length);
      for (const record of cutter.push(chunk)) {
        const verdict = this.handle(record);
        // the common case, kept free of promises: a record handled at once
        if (verdict === 'continue') this.read(record);
        else if (await this.stops(record, verdict)) return true;
      }
    }
    for (const record of cutter.end()) {
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
    const read = this.deps.rows.read(record);
    if (typeof read === 'number') return this.paced(read, record);
    if (read === HEADER) {
      this.summary.headerLines += 1;
      return 'continue';
    }
    return this.deadLetter(record, read);
  }

  /** Sends at the pacer's tempo; the pacer may make it wait, and nothing else is read meanwhile. */
  private paced(dataTime: number, record: RawRecord): Verdict | Promise<Verdict> {
    const { pacer, clock } = this.deps;
    const decision = pacer.next(clock.now(), dataTime);
    if (decision.delayMs >= PACE_SLACK_MS) return this.sendWhenDue(decision, () => this.send(decision.ts, record));
    return this.send(decision.ts, record);
  }

  private async sendWhenDue(decision: PaceDecision, send: () => Verdict | Promise<Verdict>): Promise<Verdict> {
    const { sender, clock, signal } = this.deps;
    await sender.flush(); // what is due goes out now, not when the batch fills
    await clock.sleep(decision.delayMs, signal);
    if (signal.aborted) return 'interrupted';
    return send();
  }

  /** The event just read, encoded with its event time and handed to the sender (unless too large for its topic). */
  private send(ts: number, record: RawRecord): Verdict | Promise<Verdict> {
    const { rows, sender } = this.deps;
    const tooLarge = rows.encode(ts, record);
    if (tooLarge) return this.deadLetter(record, tooLarge);
    return this.sent(rows.addTo(sender));
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

  /** A refused row: a dead letter, at the pace's tempo; the replay stops when (nearly) every row is refused. */
  private deadLetter(record: RawRecord, why: RowProblem): Verdict | Promise<Verdict> {
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
}
