#!/usr/bin/env node
// The whole pipeline as it runs in production, driven at fixed input rates (pipeline.sh says how).
import fs from 'node:fs';
import path from 'node:path';
import { createKafka } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { type PipelineSettings, runStep, type StepResult } from './pipeline-step';
import { highestSustained, stepLines } from './report';

function settingsOf(env: NodeJS.ProcessEnv): PipelineSettings & { rates: number[] } {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`set ${name} (pipeline.sh says how)`);
    return value;
  };
  return {
    brokers: required('KAFKA_BROKERS'),
    redisUrl: required('REDIS_URL'),
    file: required('BENCH_FILE'),
    rates: (env.RATES ?? '1000,10000,50000,100000').split(',').map(Number),
    clients: Number(env.CLIENTS ?? 1000),
    subscribe: env.SUBSCRIBE === 'markers' ? 'markers' : 'all',
    warmupS: Number(env.WARMUP_SECONDS ?? 15),
    steadyS: Number(env.STEADY_SECONDS ?? 60),
    partitions: Number(env.TOPIC_PARTITIONS ?? 6),
    // e.g. PROFILE=aggregator,gateway
    profile: new Set((env.PROFILE ?? '').split(',').filter(Boolean)),
    logs: env.BENCH_LOGS ?? '/tmp/streamtally-bench-pipeline',
    // AGGREGATOR_FETCH_MIN_BYTES etc.: try a setting without rebuilding
    ...(env.BACKFILL_FILE ? { backfill: { file: env.BACKFILL_FILE, records: Number(required('BACKFILL_EVENTS')), alone: env.BACKFILL_ALONE === 'race' } } : {}),
    aggregatorOverrides: Object.fromEntries(
      Object.entries(env)
        .filter(([name, value]) => name.startsWith('AGGREGATOR_') && value !== undefined)
        .map(([name, value]) => [name.slice('AGGREGATOR_'.length), value!]),
    ),
  };
}

async function main(): Promise<void> {
  const settings = settingsOf(process.env);
  fs.mkdirSync(settings.logs, { recursive: true });
  const kafka = createKafka({ brokers: settings.brokers.split(','), clientId: 'bench-pipeline', logger: silentLogger() });
  const results: StepResult[] = [];
  for (const rate of settings.rates) {
    const result = await runStep(kafka, settings, rate);
    results.push(result);
    process.stdout.write(`${stepLines(result)}\n`);
    if (!result.bounded && result.produced < 0.95 * rate) break; // neither side keeps up: higher rates only say so again
  }
  const sustained = highestSustained(results);
  process.stdout.write(
    sustained ? `highest rate sustained with bounded lag: ${sustained.produced} events/s (the ${sustained.rate}/s step)\n` : 'no step sustained\n',
  );
  fs.writeFileSync(path.join(settings.logs, 'results.json'), JSON.stringify(results, null, 2));
  process.stdout.write(`figures: ${path.join(settings.logs, 'results.json')}; logs: ${settings.logs}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
