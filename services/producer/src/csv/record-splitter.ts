const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/** One CSV record as raw bytes, with the 1-based number of the line it starts on. */
export interface RawRecord {
  bytes: Buffer;
  line: number;
  /** why no usable record could be cut here (too long, a quote never closed): a dead letter */
  problem?: string;
  /** the record's full length when `bytes` holds only its first bytes */
  totalBytes?: number;
}

/** Where the record starting at `start` ends: the index of its LF, and the lines it spans. */
interface RecordEnd {
  end: number;
  lines: number;
}

// RFC 4180 states: a quote opens a quoted field only at the start of a field; anywhere else
// it is a literal character, so `27" monitor` never starts a multi-line field.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const AFTER_QUOTE = 3; // a quote inside a quoted field: `""` (a literal quote) or its end

/**
 * Cuts a byte stream into CSV records without ever holding more than one partial record:
 * LF or CRLF endings, and newlines inside double-quoted fields stay inside the record.
 * Bytes are not decoded here, so invalid UTF-8 reaches the row parser intact.
 *
 * No record grows past `maxRecordBytes`: a longer one comes out as its first bytes with a
 * `problem`, and the splitter goes on at the next line. A quoted field still open at that
 * bound gives up only its first line, so the rows after a stray quote are read as rows.
 */
export class RecordSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private nextLine = 1;
  /** an over-long line being skipped to its end: its first bytes and length so far */
  private skipping: { line: number; head: Buffer; total: number; lastByte: number } | undefined;

  constructor(private readonly maxRecordBytes = 4096) {}

  /** Returns the complete records in `chunk`; the tail waits for the next chunk. */
  push(chunk: Buffer): RawRecord[] {
    const records: RawRecord[] = [];
    let data = chunk;
    if (this.skipping) {
      const newline = data.indexOf(LF);
      if (newline === -1) {
        this.skipping.total += data.length;
        if (data.length > 0) this.skipping.lastByte = data[data.length - 1]!;
        return records;
      }
      const { line, head, total } = this.skipping;
      // the line's length without its ending (the CR of a CRLF may sit in the previous chunk)
      const endsWithCr = newline > 0 ? data[newline - 1] === CR : this.skipping.lastByte === CR;
      records.push(this.tooLong(head, line, total + newline - (endsWithCr ? 1 : 0)));
      this.skipping = undefined;
      this.nextLine = line + 1;
      data = data.subarray(newline + 1);
    }
    if (this.pending.length > 0) data = Buffer.concat([this.pending, data]);
    let start = 0;
    // where the next quote is; most files have none, so records are cut at newlines alone
    let nextQuote = data.indexOf(QUOTE);
    for (;;) {
      if (nextQuote !== -1 && nextQuote < start) nextQuote = data.indexOf(QUOTE, start);
      const found = this.recordEnd(data, start, nextQuote);
      if (found === undefined) break;
      const length = found.end - start;
      if (length > this.maxRecordBytes && found.lines > 1) {
        // a quoted field that swallowed lines past the bound: only its first line is bad
        const firstLine = data.indexOf(LF, start);
        records.push(this.unclosedQuote(data.subarray(start, firstLine), this.nextLine));
        this.nextLine += 1;
        start = firstLine + 1;
        continue;
      }
      const bytes = trimCr(data.subarray(start, found.end));
      records.push(bytes.length > this.maxRecordBytes ? this.tooLong(bytes, this.nextLine, bytes.length) : { bytes, line: this.nextLine });
      this.nextLine += found.lines;
      start = found.end + 1;
    }
    return records.concat(this.keepTail(data, start));
  }

  /** The last record when the input does not end with a newline. */
  end(): RawRecord[] {
    if (this.skipping) {
      const { line, head, total } = this.skipping;
      this.skipping = undefined;
      return [this.tooLong(head, line, total)];
    }
    if (this.pending.length === 0) return [];
    const bytes = trimCr(this.pending);
    this.pending = Buffer.alloc(0);
    const firstLine = bytes.indexOf(LF);
    if (firstLine !== -1) {
      // the input ended inside a quoted field: its first line is bad, the rest are rows again
      const records = [this.unclosedQuote(bytes.subarray(0, firstLine), this.nextLine)];
      this.nextLine += 1;
      return records.concat(this.push(Buffer.from(bytes.subarray(firstLine + 1))), this.end());
    }
    return [{ bytes, line: this.nextLine }];
  }

  /**
   * The partial record after `start` waits for the next chunk, unless it is already past
   * the bound: then an open quote gives up its first line, and a single long line is skipped.
   */
  private keepTail(data: Buffer, start: number): RawRecord[] {
    const tail = data.subarray(start);
    if (tail.length <= this.maxRecordBytes) {
      this.pending = tail.length > 0 ? Buffer.from(tail) : Buffer.alloc(0);
      return [];
    }
    this.pending = Buffer.alloc(0);
    const firstLine = tail.indexOf(LF);
    if (firstLine !== -1) {
      const records = [this.unclosedQuote(tail.subarray(0, firstLine), this.nextLine)];
      this.nextLine += 1;
      return records.concat(this.push(Buffer.from(tail.subarray(firstLine + 1))));
    }
    this.skipping = { line: this.nextLine, head: Buffer.from(tail.subarray(0, this.maxRecordBytes)), total: tail.length, lastByte: tail[tail.length - 1]! };
    return [];
  }

  private recordEnd(data: Buffer, start: number, nextQuote: number): RecordEnd | undefined {
    const newline = data.indexOf(LF, start);
    if (newline === -1) return undefined;
    if (nextQuote === -1 || nextQuote > newline) return { end: newline, lines: 1 };
    return scanQuoted(data, start);
  }

  private tooLong(head: Buffer, line: number, total: number): RawRecord {
    const bytes = head.length > this.maxRecordBytes ? head.subarray(0, this.maxRecordBytes) : head;
    return { bytes, line, totalBytes: total, problem: `row: ${total} bytes, more than ${this.maxRecordBytes}` };
  }

  private unclosedQuote(firstLine: Buffer, line: number): RawRecord {
    const bytes = trimCr(firstLine);
    return {
      bytes: bytes.length > this.maxRecordBytes ? bytes.subarray(0, this.maxRecordBytes) : bytes,
      line,
      totalBytes: bytes.length,
      problem: `a quoted field opened on line ${line} is not closed within ${this.maxRecordBytes} bytes`,
    };
  }
}

/** Follows the quoting of the record at `start` to the newline that ends it. */
function scanQuoted(data: Buffer, start: number): RecordEnd | undefined {
  let state = FIELD_START;
  let lines = 1;
  for (let i = start; i < data.length; i += 1) {
    const byte = data[i];
    if (state === QUOTED) {
      if (byte === QUOTE) state = AFTER_QUOTE;
      else if (byte === LF) lines += 1;
      continue;
    }
    if (byte === LF) return { end: i, lines };
    if (byte === COMMA) state = FIELD_START;
    else if (state === FIELD_START) state = byte === QUOTE ? QUOTED : UNQUOTED;
    else if (state === AFTER_QUOTE) state = byte === QUOTE ? QUOTED : UNQUOTED; // `""`, or text after a closing quote
  }
  return undefined;
}

function trimCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes;
}
