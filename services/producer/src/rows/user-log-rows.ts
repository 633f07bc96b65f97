import { encodeUserActionText } from '@streamtally/contracts';
import { decodeRecord } from '../csv/record-decoder';
import { RowBytes } from '../csv/row-bytes';
import { type RawRecord, RecordSplitter } from '../csv/record-splitter';
import { CANONICAL_COLUMNS, columnsFromHeader, createRowParser, isHeader, type UserLogColumn, type UserLogRow } from '../csv/user-log-row';
import { splitFields } from '../csv/fields';
import { dataDay } from '../pacing/pacer';
import type { BatchSender } from '../replay/batch-sender';
import { type EventRows, type EventTopic, HEADER, type RecordCutter, type RowProblem, tooLargeForTopic } from './event-rows';

export interface UserLogSettings {
  /** the year the data's month/day belong to */
  year: number;
  /** the longest row, in bytes; a longer one is a dead letter */
  maxRowBytes: number;
  /** the longest text field (province), in bytes */
  maxFieldBytes: number;
}

/** The parsers of one column order: bytes to bytes for the common row, text for the rest. */
interface Parsers {
  text: ReturnType<typeof createRowParser>;
  bytes: RowBytes;
}

/**
 * The tutorial's file, Tmall's user_log.csv: rows of fixed columns (a header may reorder
 * them), dated by month and day of `year`. Most rows go from CSV bytes to event bytes with no
 * string between (RowBytes); a row it cannot take alone (quotes, a problem to name) is read as
 * text.
 */
export class UserLogRows implements EventRows {
  private readonly canonicalParsers: Parsers;
  private parsers: Parsers;
  private firstRecordOfPass = true;
  /** the row `read` accepted: null when RowBytes holds it */
  private textRow: UserLogRow | null = null;
  private key = '';
  private value = '';

  constructor(
    private readonly settings: UserLogSettings,
    private readonly events: EventTopic,
  ) {
    this.canonicalParsers = this.parsersFor(CANONICAL_COLUMNS);
    this.parsers = this.canonicalParsers;
  }

  startPass(): RecordCutter {
    this.parsers = this.canonicalParsers;
    this.firstRecordOfPass = true;
    return new RecordSplitter(this.settings.maxRowBytes);
  }

  read(record: RawRecord): number | typeof HEADER | RowProblem {
    const { bytes } = this.parsers;
    if (!this.firstRecordOfPass && bytes.parse(record.bytes)) {
      this.textRow = null;
      return dataDay(this.settings.year, bytes.month, bytes.day);
    }
    const decoded = decodeRecord(record);
    if (!decoded.ok) return decoded;
    if (this.firstRecordOfPass) return this.headerOrRow(record, decoded.text);
    return this.row(record, decoded.text);
  }

  encode(ts: number, record: RawRecord): RowProblem | undefined {
    const max = this.events.maxRecordBytes;
    if (this.textRow === null) {
      const bytes = this.parsers.bytes.encode(ts, record.line);
      return bytes > max ? tooLargeForTopic(this.events, bytes) : undefined;
    }
    this.textRow.ts = ts;
    this.value = encodeUserActionText(this.textRow);
    this.key = String(this.textRow.user_id);
    // a UTF-16 length times 3 bounds the UTF-8 size: most rows skip the exact count
    if (this.value.length * 3 + this.key.length > max) {
      const bytes = Buffer.byteLength(this.value) + this.key.length;
      if (bytes > max) return tooLargeForTopic(this.events, bytes);
    }
    return undefined;
  }

  addTo(sender: BatchSender): Promise<void> | undefined {
    if (this.textRow !== null) return sender.add(this.events.topic, { key: this.key, value: this.value });
    const row = this.parsers.bytes;
    return sender.addEncoded(this.events.topic, row.out, row.keyBytes, row.valueBytes);
  }

  /** The first record of a pass: a header sets the column order, anything else is a row. */
  private headerOrRow(record: RawRecord, text: string): number | typeof HEADER | RowProblem {
    this.firstRecordOfPass = false;
    const fields = splitFields(text);
    if (!Array.isArray(fields) || !isHeader(fields)) return this.row(record, text);
    const fromHeader = columnsFromHeader(fields);
    if (!Array.isArray(fromHeader)) return fromHeader;
    this.parsers = this.parsersFor(fromHeader);
    return HEADER;
  }

  /** A row the byte parser could not take (quotes, escapes, a problem to name): read as text. */
  private row(record: RawRecord, text: string): number | RowProblem {
    const parsed = this.parsers.text(text, record.line);
    if (!parsed.ok) return { code: parsed.code, reason: parsed.reason };
    this.textRow = parsed.row;
    return dataDay(this.settings.year, parsed.row.month, parsed.row.day);
  }

  private parsersFor(columns: readonly UserLogColumn[]): Parsers {
    return {
      text: createRowParser(columns, this.settings.maxFieldBytes),
      bytes: new RowBytes(columns, this.settings.maxFieldBytes, this.settings.maxRowBytes),
    };
  }
}
