import fs from 'node:fs';
import path from 'node:path';
import type { Kafka } from '@streamtally/kafka-client';
import { sleep } from '@streamtally/observability';
import { freePort, waitFor } from '@streamtally/test-support';
import { MARKER_JOB, MARKER_USER, markerLatencies, MarkerWriter, markerJob } from './markers';
import { type AloneRace, type BackfillRun, backfillJob, StepBackfill } from './backfill';
import { buckets, metricSum, quantileMs, scrape } from './metrics-text';
import { infraPids, ROOT, type Started, stop, usage } from './processes';
import { createTopics, type Ports, startAggregator, startGateway, startProducer } from './pipeline-services';
import { ScreenClients, type ClientsReport } from './screen-clients';
import { percentile, type Sample, slope } from './stats';

export interface PipelineSettings {
  brokers: string;
  redisUrl: string;
  /** the generated file the producer loops over */
  file: string;
  /** WebSocket clients */
  clients: number;
  /** `all`: every job, as the dashboard page subscribes; `markers`: only the marker job */
  subscribe: 'all' | 'markers';
  warmupS: number;
  steadyS: number;
  partitions: number;
  /** processes that write a V8 CPU profile into the logs folder */
  profile: ReadonlySet<string>;
  logs: string;
  /** AGGREGATOR_* variables of the driver's environment, passed on without the prefix */
  aggregatorOverrides: Record<string, string>;
  /** BACKFILL_FILE: a backlog the live jobs count first, then a job added to them backfills during the step (backfill.ts) */
  backfill?: { file: string; records: number; alone: boolean };
}

const EMIT_EVERY_MS = 250; // gender-per-second's, the tightest default job
const MARKER_SERIES = ['streamtally_gateway_event_to_screen_seconds', `aggregation="${MARKER_JOB}"`] as const;

export interface StepResult {
  /** with BACKFILL_FILE: how long the added job took to count the backlog (from the aggregator's restart) */
  backfill?: BackfillRun;
  rate: number;
  clients: number;
  produced: number;
  consumed: number;
  lagFinal: number;
  lagSlopePerS: number;
  bounded: boolean;
  updatesPerS: number;
  gatewayEventToScreenCount: number;
  gatewayMetricMs: { p50: number; p99: number };
  latencyMs: { samples: number; missing: number; p50: number; p99: number; max: number };
  cpu: Record<string, number>;
  peakMb: Record<string, number>;
}

/** One rate: fresh topics, the three services, clients and markers; warm up, then measure the steady minute. */
export async function runStep(kafka: Kafka, settings: PipelineSettings, rate: number): Promise<StepResult> {
  const run = `bench-pipeline-${rate}-${Date.now()}`;
  const topics = { input: `${run}-actions`, lines: `${run}-lines`, results: `${run}-results` };
  await createTopics(kafka, topics, settings.partitions);
  const shipped = JSON.parse(fs.readFileSync(path.join(ROOT, 'services/aggregator/jobs.json'), 'utf8')) as { name: string; source: string }[];
  const jobs = [
    ...shipped.map((job) => ({ ...job, source: job.source === 'text-lines' ? topics.lines : topics.input })),
    markerJob(topics.input, EMIT_EVERY_MS),
  ];
  const [aggregator, producer, gateway, gatewayMetrics, alonePort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const ports: Ports = { aggregator, producer, gateway, gatewayMetrics };
  const services: Record<string, Started> = {};
  let aloneService: Started | undefined; // not among `services`: it stops before the steady minute ends, so its CPU is not read
  const alone: AloneRace = {
    port: alonePort,
    start: async () => {
      aloneService = startAggregator(settings, `${run}-alone`, { results: `${run}-alone-results` }, [backfillJob(topics.input)], alonePort, 'aggregator-alone');
    },
    stop: () => stop(aloneService),
  };
  const backfill = settings.backfill ? new StepBackfill(settings, settings.backfill, ports.aggregator, settings.backfill.alone ? alone : undefined) : undefined;
  try {
    services.aggregator = startAggregator(settings, run, topics, jobs, ports.aggregator);
    await backfill?.prepare(topics.input);
    const addJob = async () => {
      await stop(services.aggregator);
      services.aggregator = startAggregator(settings, run, topics, [...jobs, backfillJob(topics.input)], ports.aggregator, 'aggregator-restarted');
      await waitFor(async () => (await fetch(`http://127.0.0.1:${ports.aggregator}/healthz`)).ok, { what: 'the restarted aggregator', timeoutMs: 60_000 });
    };
    services.gateway = startGateway(settings, run, topics.results, ports);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${ports.aggregator}/healthz`)).ok, { what: 'the aggregator', timeoutMs: 60_000 });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${ports.gateway}/readyz`)).ok, { what: 'the gateway', timeoutMs: 60_000 });
    const subscribed = settings.subscribe === 'markers' ? [MARKER_JOB] : jobs.map((j) => j.name);
    const clients = await ScreenClients.start(`ws://127.0.0.1:${ports.gateway}/ws`, settings.clients, subscribed, MARKER_JOB, String(MARKER_USER));
    services.producer = startProducer(settings, run, topics.input, rate, ports.producer);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${ports.producer}/healthz`)).ok, { what: 'the producer', timeoutMs: 60_000 });
    return await measure(kafka, settings, {
      rate,
      topic: topics.input,
      ports,
      services,
      clients,
      ...(backfill ? { backfill: { run: backfill, addJob } } : {}),
    });
  } finally {
    backfill?.stop();
    await Promise.all([...Object.values(services), aloneService].map((service) => stop(service)));
  }
}

interface Running {
  /** BACKFILL_FILE: the job added when the steady part begins */
  backfill?: { run: StepBackfill; addJob(): Promise<void> };
  rate: number;
  topic: string;
  ports: Ports;
  services: Record<string, Started>;
  clients: ScreenClients;
}

/** What the steady minute measured, before the markers' latencies are worked out. */
interface Steady {
  elapsedS: number;
  produced: number;
  consumed: number;
  lag: Sample[];
  cpu: Record<string, number>;
  peakMb: Record<string, number>;
  updates: number;
  gatewayBefore: Map<number, number>;
  gatewayMetrics: string;
  markers: { first: number; last: number };
}

/** Markers all along; after the warm-up, the steady minute; then the markers each client saw. */
async function measure(kafka: Kafka, settings: PipelineSettings, running: Running): Promise<StepResult> {
  const markerProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await markerProducer.connect();
  const markers = new MarkerWriter(markerProducer, running.topic);
  markers.start();
  try {
    await sleep(settings.warmupS * 1000);
    await running.backfill?.run.start(running.backfill.addJob);
    const steady = await steadyMinute(settings, running, markers);
    // the input stops; markers of the steady minute still on their way get 15 s to arrive
    await stop(running.services.producer);
    await markers.stop();
    const report = await markersArrived(running.clients, steady.markers.last);
    running.clients.close();
    const result = stepResult(settings, running.rate, steady, markerLatencies(report, markers.sentAt, steady.markers.first, steady.markers.last));
    return running.backfill ? { ...result, backfill: await running.backfill.run.result(report, markers.sentAt) } : result;
  } finally {
    await markers.stop();
    await markerProducer.disconnect();
  }
}

async function steadyMinute(settings: PipelineSettings, { ports, services, clients }: Running, markers: MarkerWriter): Promise<Steady> {
  const pids: Record<string, number> = { clients: clients.pid, ...infraPids(settings.brokers, settings.redisUrl) };
  for (const [name, service] of Object.entries(services)) pids[name] = service.child.pid!;
  const counters = async () => ({
    produced: metricSum(await scrape(ports.producer), 'streamtally_producer_events_total'),
    consumed: metricSum(await scrape(ports.aggregator), 'streamtally_aggregator_records_total'),
  });
  const before = { usage: snapshot(pids), counted: await counters(), gateway: buckets(await scrape(ports.gatewayMetrics), ...MARKER_SERIES) };
  const first = markers.next;
  clients.count();
  const started = Date.now();
  const lag: Sample[] = [];
  while (Date.now() - started < settings.steadyS * 1000) {
    lag.push({ t: (Date.now() - started) / 1000, y: metricSum(await scrape(ports.aggregator), 'streamtally_aggregator_consumer_lag') });
    await sleep(1000);
  }
  const elapsedS = (Date.now() - started) / 1000;
  const last = markers.next - 1;
  const counted = await counters();
  const usageAfter = snapshot(pids);
  return {
    elapsedS,
    produced: (counted.produced - before.counted.produced) / elapsedS,
    consumed: (counted.consumed - before.counted.consumed) / elapsedS,
    lag,
    cpu: Object.fromEntries(Object.keys(pids).map((name) => [name, (usageAfter[name]!.cpuS - before.usage[name]!.cpuS) / elapsedS])),
    peakMb: Object.fromEntries(Object.keys(pids).map((name) => [name, usageAfter[name]!.peakMb])),
    gatewayBefore: before.gateway,
    gatewayMetrics: await scrape(ports.gatewayMetrics),
    updates: (await clients.report()).updates,
    markers: { first, last },
  };
}

function stepResult(settings: PipelineSettings, rate: number, steady: Steady, latencies: ReturnType<typeof markerLatencies>): StepResult {
  const lagSlope = slope(steady.lag);
  const finalLag = steady.lag.at(-1)?.y ?? NaN;
  const gatewayAfter = buckets(steady.gatewayMetrics, ...MARKER_SERIES);
  const { sorted, samples, missing } = latencies;
  return {
    rate,
    clients: settings.clients,
    produced: Math.round(steady.produced),
    consumed: Math.round(steady.consumed),
    lagFinal: finalLag,
    lagSlopePerS: Math.round(lagSlope),
    // bounded: the backlog grows by no more than 1% of the input per second and stays under two seconds of input
    bounded: lagSlope < 0.01 * rate && finalLag < 2 * rate,
    updatesPerS: Math.round(steady.updates / steady.elapsedS),
    gatewayEventToScreenCount: metricSum(steady.gatewayMetrics, 'streamtally_gateway_event_to_screen_seconds_count'),
    // what production's own metric said of the marker job over the same minute (from its buckets)
    gatewayMetricMs: { p50: quantileMs(steady.gatewayBefore, gatewayAfter, 0.5), p99: quantileMs(steady.gatewayBefore, gatewayAfter, 0.99) },
    latencyMs: { samples, missing, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN },
    cpu: steady.cpu,
    peakMb: steady.peakMb,
  };
}

function snapshot(pids: Record<string, number>): Record<string, ReturnType<typeof usage>> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, usage(pid)]));
}

/** Asks the clients again until every one saw `lastMarker`, for up to 15 s. */
async function markersArrived(clients: ScreenClients, lastMarker: number): Promise<ClientsReport> {
  const deadline = Date.now() + 15_000;
  let report = await clients.report();
  while (Date.now() < deadline && report.seen.some((marks) => marks.length - 1 < lastMarker)) {
    await sleep(500);
    report = await clients.report();
  }
  return report;
}
