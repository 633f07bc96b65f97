const LF = 0x0a;

/** Cuts a byte stream into lines (LF or CRLF); a line longer than `maxBytes` is cut off and flagged. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overlong = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): { bytes: Buffer; overlong: boolean }[] {
    const lines: { bytes: Buffer; overlong: boolean }[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(LF); newline !== -1; newline = chunk.indexOf(LF, start)) {
      this.append(chunk.subarray(start, newline));
      lines.push(this.take());
      start = newline + 1;
    }
    this.append(chunk.subarray(start));
    return lines;
  }

  end(): { bytes: Buffer; overlong: boolean }[] {
    return this.pendingBytes > 0 || this.overlong ? [this.take()] : [];
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.pendingBytes + part.length > this.maxBytes) {
      // keep only the first maxBytes for the dead letter; never buffer an endless line
      const room = this.maxBytes - this.pendingBytes;
      if (room > 0) this.pending.push(Buffer.from(part.subarray(0, room)));
      this.pendingBytes = this.maxBytes;
      this.overlong = true;
      return;
    }
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
  }

  private take(): { bytes: Buffer; overlong: boolean } {
    let bytes = Buffer.concat(this.pending);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    const line = { bytes, overlong: this.overlong };
    this.pending = [];
    this.pendingBytes = 0;
    this.overlong = false;
    return line;
  }
}
