#!/usr/bin/env node
// Writes a flights-shaped file for the producer's declared-source benchmark (producer.sh with
// BENCH_SHAPE=json or csv): flights.ts's records, the real flights looped, as JSON Lines or
// as a CSV export with a header; streamed, so a file of millions of rows takes no memory.
//   node flights-file-main.js <out> <events> <jsonl|csv>
import fs from 'node:fs';
import { once } from 'node:events';
import { flightRecords } from './flights';

async function main(): Promise<void> {
  const [out = '', eventsText = '1000000', kind = 'jsonl'] = process.argv.slice(2);
  if (!out || !['jsonl', 'csv'].includes(kind)) throw new Error('usage: flights-file-main.js <out> <events> <jsonl|csv>');
  const stream = fs.createWriteStream(`${out}.partial`);
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  if (kind === 'csv') await write('Flight Date,Delay (min),Distance,Origin,Destination\n');
  let chunk = '';
  for (const f of flightRecords(Number(eventsText))) {
    chunk += kind === 'csv' ? `${f.date},${f.delay},${f.distance},${f.origin},${f.destination}\n` : `${JSON.stringify(f)}\n`;
    if (chunk.length > 64 * 1024) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  stream.end();
  await once(stream, 'finish');
  fs.renameSync(`${out}.partial`, out);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
