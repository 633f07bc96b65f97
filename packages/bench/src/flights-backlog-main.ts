#!/usr/bin/env node
// Writes a backlog of flights-shaped JSON records for the aggregator's JSON catch-up benchmark
// (aggregator.sh with BENCH_SHAPE=json): flights.ts's records, the real flights looped.
//   node flights-backlog-main.js <brokers> <topic> <events>
import { createKafka, createProducer, ensureTopics } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { flightRecords } from './flights';

async function main(): Promise<void> {
  const [brokers = '', topic = '', eventsText = '1000000'] = process.argv.slice(2);
  const events = Number(eventsText);
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'bench-flights', logger: silentLogger() });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, numPartitions: 6 }]);
  await admin.disconnect();
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const batch: { value: string }[] = [];
  for (const record of flightRecords(events)) {
    batch.push({ value: JSON.stringify(record) });
    if (batch.length === 10_000) await producer.send({ topic, acks: -1, messages: batch.splice(0) });
  }
  if (batch.length > 0) await producer.send({ topic, acks: -1, messages: batch.splice(0) });
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
