import { problem } from '@streamtally/contracts';
import { type RawRecord, RecordSplitter } from '../csv/record-splitter';
import type { RecordCutter } from './event-rows';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BOM = [0xef, 0xbb, 0xbf];

const isSpace = (byte: number) => byte === SPACE || byte === LF || byte === CR || byte === TAB;

/**
 * Cuts a JSON file into records, in bounded memory whatever its size: the elements of a
 * top-level array (`[{…},{…}]`, however it is laid out: one line or pretty-printed), or JSON
 * Lines (one value per line), decided by the first byte that is not whitespace. An element's
 * `line` is its position in the array (1-based), since a whole array often sits on one line;
 * a JSON Lines record's is its line. Nothing is parsed here: an element only has to be found,
 * by tracking strings and nesting, and the reader decides what it is.
 */
export class JsonRecordCutter implements RecordCutter {
  private mode: 'start' | 'lines' | 'array' | 'after' = 'start';
  private readonly lines: RecordSplitter;
  private bomAt = 0;
  // the element being cut
  private parts: Buffer[] = [];
  private size = 0;
  private total = 0;
  private started = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elements = 0;
  /** non-space bytes after the array's closing bracket: their first bytes, and how many */
  private trailing: { head: Buffer; total: number } | undefined;

  constructor(private readonly maxRecordBytes: number) {
    this.lines = new RecordSplitter(maxRecordBytes);
  }

  push(chunk: Buffer): RawRecord[] {
    let data = chunk;
    if (this.mode === 'start') {
      const first = this.firstByte(data);
      if (first === -1) return [];
      if (data[first] === OPEN_BRACKET) {
        this.mode = 'array';
        data = data.subarray(first + 1);
      } else {
        this.mode = 'lines';
      }
    }
    if (this.mode === 'lines') return this.lines.push(data);
    const records: RawRecord[] = [];
    if (this.mode === 'array') this.cut(data, records);
    else this.after(data, 0);
    return records;
  }

  end(): RawRecord[] {
    if (this.mode === 'lines') return this.lines.end();
    const records: RawRecord[] = [];
    if (this.mode === 'array') {
      // the file ended inside the array: what was started is a record, and the array is unclosed
      if (this.started) this.emit(records);
      records.push(this.problemRecord(Buffer.alloc(0), 0, 'not_json', 'the file ends inside the top-level array (no closing "]")'));
    }
    if (this.trailing) {
      const { head, total } = this.trailing;
      records.push(this.problemRecord(head, total, 'not_json', `${total} bytes after the top-level array's closing "]"`));
    }
    return records;
  }

  /** Where the first byte that is not whitespace (nor a byte-order mark) is in `data`, or -1. */
  private firstByte(data: Buffer): number {
    for (let i = 0; i < data.length; i += 1) {
      const byte = data[i]!;
      if (this.bomAt < 3 && byte === BOM[this.bomAt]) {
        this.bomAt += 1;
        continue;
      }
      if (!isSpace(byte)) return i;
    }
    return -1;
  }

  private cut(data: Buffer, records: RawRecord[]): void {
    let from = 0; // where the element's bytes in this chunk begin
    for (let i = 0; i < data.length; i += 1) {
      const byte = data[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
        continue;
      }
      if (this.depth === 0 && (byte === COMMA || byte === CLOSE_BRACKET)) {
        this.keep(data, from, i);
        if (this.started || byte === COMMA) this.emit(records);
        from = i + 1;
        if (byte === CLOSE_BRACKET) {
          this.mode = 'after';
          this.after(data, i + 1);
          return;
        }
        continue;
      }
      if (!this.started) {
        if (isSpace(byte)) {
          from = i + 1;
          continue;
        }
        this.started = true;
      }
      if (byte === QUOTE) this.inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth += 1;
      else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && this.depth > 0) this.depth -= 1;
    }
    if (this.started) this.keep(data, from, data.length, true);
  }

  /** Keeps data[from, to) as part of the element, up to maxRecordBytes; `copy` when the chunk will be reused. */
  private keep(data: Buffer, from: number, to: number, copy = false): void {
    if (to <= from) return;
    this.total += to - from;
    const room = this.maxRecordBytes - this.size;
    if (room <= 0) return;
    const part = data.subarray(from, Math.min(to, from + room));
    this.parts.push(copy ? Buffer.from(part) : part);
    this.size += part.length;
  }

  private emit(records: RawRecord[]): void {
    this.elements += 1;
    const bytes = trimEnd(this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size));
    const total = this.total - (this.size - bytes.length);
    if (total > this.maxRecordBytes) {
      records.push({
        bytes,
        line: this.elements,
        totalBytes: total,
        problem: problem('too_long', `element ${this.elements}: ${total} bytes, more than ${this.maxRecordBytes}`),
      });
    } else if (bytes.length === 0) {
      records.push({ bytes, line: this.elements, problem: problem('not_json', `element ${this.elements}: empty (two commas in a row)`) });
    } else {
      records.push({ bytes, line: this.elements });
    }
    this.parts = [];
    this.size = 0;
    this.total = 0;
    this.started = false;
    this.depth = 0;
  }

  /** After the closing bracket only whitespace may follow; anything else is kept (bounded) for one dead letter. */
  private after(data: Buffer, from: number): void {
    if (this.trailing) {
      const { head } = this.trailing;
      if (head.length < this.maxRecordBytes) this.trailing.head = Buffer.concat([head, data.subarray(from, from + this.maxRecordBytes - head.length)]);
      this.trailing.total += data.length - from;
      return;
    }
    for (let i = from; i < data.length; i += 1) {
      if (isSpace(data[i]!)) continue;
      const rest = data.subarray(i);
      this.trailing = { head: Buffer.from(rest.subarray(0, this.maxRecordBytes)), total: rest.length };
      return;
    }
  }

  private problemRecord(head: Buffer, total: number, code: 'not_json', reason: string): RawRecord {
    return { bytes: head, line: this.elements + 1, totalBytes: total, problem: problem(code, reason) };
  }
}

function trimEnd(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && isSpace(bytes[end - 1]!)) end -= 1;
  return end === bytes.length ? bytes : bytes.subarray(0, end);
}
