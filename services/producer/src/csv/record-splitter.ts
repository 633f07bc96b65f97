import { problem, type Problem } from '@streamtally/contracts';

const LF = 0x0a;
const CR = 0x0d;

/** One CSV record (a line) as raw bytes, with its 1-based line number. */
export interface RawRecord {
  bytes: Buffer;
  line: number;
  /** why no usable record could be cut here (the line is too long): a dead letter */
  problem?: Problem;
  /** the line's full length when `bytes` holds only its first bytes */
  totalBytes?: number;
}

/**
 * Cuts a byte stream into records, one per line (LF or CRLF), without ever holding more than
 * one partial line. A row of user_log.csv is one line: no field of it may hold a newline (a
 * province with one is a control character, refused anyway), so a quote never joins lines,
 * and a stray or unclosed quote costs its own line only, never the rows after it.
 * Bytes are not decoded here, so invalid UTF-8 reaches the row parser intact.
 *
 * No record grows past `maxRecordBytes`: a longer line comes out as its first bytes with a
 * `problem` and its whole length, read past in bounded memory.
 */
export class RecordSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private nextLine = 1;
  /** an over-long line being skipped to its end: its first bytes and length so far */
  private skipping: { head: Buffer; total: number; lastByte: number } | undefined;

  constructor(private readonly maxRecordBytes = 4096) {}

  /** Returns the complete lines in `chunk`; the tail waits for the next chunk. */
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
      // the line's length without its ending (the CR of a CRLF may sit in the previous chunk)
      const endsWithCr = newline > 0 ? data[newline - 1] === CR : this.skipping.lastByte === CR;
      records.push(this.tooLong(this.skipping.head, this.skipping.total + newline - (endsWithCr ? 1 : 0)));
      this.skipping = undefined;
      data = data.subarray(newline + 1);
    }
    if (this.pending.length > 0) data = Buffer.concat([this.pending, data]);
    let start = 0;
    for (let newline = data.indexOf(LF); newline !== -1; newline = data.indexOf(LF, start)) {
      const bytes = trimCr(data.subarray(start, newline));
      records.push(bytes.length > this.maxRecordBytes ? this.tooLong(bytes, bytes.length) : { bytes, line: this.nextLine++ });
      start = newline + 1;
    }
    const tail = data.subarray(start);
    if (tail.length > this.maxRecordBytes) {
      this.pending = Buffer.alloc(0);
      this.skipping = { head: Buffer.from(tail.subarray(0, this.maxRecordBytes)), total: tail.length, lastByte: tail[tail.length - 1]! };
    } else {
      this.pending = tail.length > 0 ? Buffer.from(tail) : Buffer.alloc(0);
    }
    return records;
  }

  /** The last line when the input does not end with a newline. */
  end(): RawRecord[] {
    if (this.skipping) {
      const { head, total, lastByte } = this.skipping;
      this.skipping = undefined;
      return [this.tooLong(head, total - (lastByte === CR ? 1 : 0))];
    }
    if (this.pending.length === 0) return [];
    const bytes = trimCr(this.pending);
    this.pending = Buffer.alloc(0);
    return [{ bytes, line: this.nextLine++ }];
  }

  private tooLong(head: Buffer, total: number): RawRecord {
    const bytes = head.length > this.maxRecordBytes ? head.subarray(0, this.maxRecordBytes) : head;
    return { bytes, line: this.nextLine++, totalBytes: total, problem: problem('too_long', `row: ${total} bytes, more than ${this.maxRecordBytes}`) };
  }
}

function trimCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes;
}
