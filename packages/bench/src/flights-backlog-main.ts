#!/usr/bin/env node
// Writes a backlog of flights-shaped JSON records for the aggregator's JSON catch-up benchmark
// (aggregator.sh with BENCH_SHAPE=json): the US flights of vega-datasets' flights-20k.json,
// looped until EVENTS, each pass starting a day after the last one ended, so event time only
// moves on (no event of a later pass is late for a window of an earlier one).
//   node flights-backlog-main.js <brokers> <topic> <events>
import fs from 'node:fs';
import path from 'node:path';
import { createKafka, createProducer, ensureTopics } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';

interface Flight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}

const DAY_MS = 24 * 3_600_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** `2001/01/01 00:47`, in UTC, as the file writes it. */
export function flightDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

function parseFlightDate(date: string): number {
  const [y, mo, d, h, mi] = date.split(/[/ :]/).map(Number);
  return Date.UTC(y!, mo! - 1, d!, h!, mi!);
}

async function main(): Promise<void> {
  const [brokers = '', topic = '', eventsText = '1000000'] = process.argv.slice(2);
  const events = Number(eventsText);
  const data = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-20k.json');
  const flights = (JSON.parse(fs.readFileSync(data, 'utf8')) as Flight[]).map((f) => ({ ...f, at: parseFlightDate(f.date) })).sort((a, b) => a.at - b.at);
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'bench-flights', logger: silentLogger() });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, numPartitions: 6 }]);
  await admin.disconnect();
  const passShiftMs = (Math.floor((flights.at(-1)!.at - flights[0]!.at) / DAY_MS) + 2) * DAY_MS;
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const batch: { value: string }[] = [];
  for (let i = 0; i < events; i += 1) {
    const f = flights[i % flights.length]!;
    const pass = Math.floor(i / flights.length);
    const record = { date: flightDate(f.at + pass * passShiftMs), delay: f.delay, distance: f.distance, origin: f.origin, destination: f.destination };
    batch.push({ value: JSON.stringify(record) });
    if (batch.length === 10_000 || i === events - 1) {
      await producer.send({ topic, acks: -1, messages: batch.splice(0) });
    }
  }
  await producer.disconnect();
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
