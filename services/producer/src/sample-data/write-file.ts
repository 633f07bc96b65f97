import fs from 'node:fs';
import { once } from 'node:events';
import { encodeGeneratedLine, generateUserLog, GeneratorOptions } from './generator';

/** Writes a generated file in chunks, respecting the stream's back-pressure. */
export async function writeUserLog(path: string, options: GeneratorOptions): Promise<{ rows: number; bytes: number }> {
  const out = fs.createWriteStream(path);
  let bytes = 0;
  let rows = 0;
  let chunk: Buffer[] = [];
  let chunkBytes = 0;
  for (const line of generateUserLog(options)) {
    const encoded = encodeGeneratedLine(line);
    chunk.push(encoded);
    chunkBytes += encoded.length;
    rows += 1;
    if (chunkBytes >= 1 << 20) {
      bytes += chunkBytes;
      if (!out.write(Buffer.concat(chunk))) await once(out, 'drain');
      chunk = [];
      chunkBytes = 0;
    }
  }
  bytes += chunkBytes;
  out.end(Buffer.concat(chunk));
  await once(out, 'finish');
  return { rows: rows - (options.header === false ? 0 : 1), bytes };
}
