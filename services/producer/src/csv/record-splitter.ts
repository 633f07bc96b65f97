const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** One CSV record as raw bytes, with the 1-based number of the line it starts on. */
export interface RawRecord {
  bytes: Buffer;
  line: number;
}

/**
 * Cuts a byte stream into CSV records without ever holding more than one partial record:
 * LF or CRLF endings, and newlines inside double-quoted fields stay inside the record.
 * Bytes are not decoded here, so invalid UTF-8 reaches the row parser intact.
 */
export class RecordSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private nextLine = 1;
  /** physical lines consumed by the pending partial record */
  private pendingLines = 0;

  constructor(private readonly maxRecordBytes = 1024 * 1024) {}

  /** Returns the complete records in `chunk`; the tail waits for the next chunk. */
  push(chunk: Buffer): RawRecord[] {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const records: RawRecord[] = [];
    let start = 0;
    let searchFrom = 0;
    let linesInRecord = this.pendingLines;
    // where the next quote is; most files have none, so records are cut at newlines alone
    let nextQuote = data.indexOf(QUOTE);
    for (;;) {
      const newline = data.indexOf(LF, searchFrom);
      if (newline === -1) break;
      linesInRecord += 1;
      if (nextQuote !== -1 && nextQuote < start) nextQuote = data.indexOf(QUOTE, start);
      if (nextQuote !== -1 && nextQuote < newline && hasOpenQuote(data, start, newline)) {
        searchFrom = newline + 1; // the newline is inside a quoted field
        continue;
      }
      records.push({ bytes: trimCr(data.subarray(start, newline)), line: this.nextLine });
      this.nextLine += linesInRecord;
      linesInRecord = 0;
      start = searchFrom = newline + 1;
    }
    this.pending = start < data.length ? Buffer.from(data.subarray(start)) : Buffer.alloc(0);
    this.pendingLines = linesInRecord;
    if (this.pending.length > this.maxRecordBytes) {
      // a runaway quote or a binary file: give up on this record rather than buffer the file
      records.push({ bytes: this.pending, line: this.nextLine });
      this.nextLine += this.pendingLines + 1;
      this.pending = Buffer.alloc(0);
      this.pendingLines = 0;
    }
    return records;
  }

  /** The last record when the input does not end with a newline. */
  end(): RawRecord[] {
    if (this.pending.length === 0) return [];
    const record = { bytes: trimCr(this.pending), line: this.nextLine };
    this.pending = Buffer.alloc(0);
    return [record];
  }
}

/** True when [from, to) holds an odd number of quotes: a quoted field is still open. */
function hasOpenQuote(data: Buffer, from: number, to: number): boolean {
  let open = false;
  for (let i = from; i < to; i += 1) if (data[i] === QUOTE) open = !open;
  return open;
}

function trimCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes;
}
