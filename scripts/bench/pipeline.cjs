// The whole pipeline as it runs in production, driven at fixed input rates (see pipeline.sh).
//
// Event-to-screen latency is measured exactly with marker events: ten a second, written by
// this driver to the input topic (acks=all), each a user action of one reserved user id, so
// all go to one partition in order. A dedicated job (`bench-markers`: a running total of that
// user's events, emitEveryMs as gender-per-second's) counts them; when a client holds a count
// >= k, marker k has reached its screen. Latency of marker k at a client = the first time the
// client held a count >= k - the time the driver began writing marker k. Every (client,
// marker) pair of the steady minute is one sample.
'use strict';
const { fork, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const root = path.resolve(__dirname, '../..');
const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [path.join(root, 'packages/kafka-client')] }));

const BROKERS = process.env.KAFKA_BROKERS;
const REDIS_URL = process.env.REDIS_URL;
const FILE = process.env.BENCH_FILE;
const RATES = (process.env.RATES || '1000,10000,50000,100000').split(',').map(Number);
const CLIENTS = Number(process.env.CLIENTS || 1000);
// `all` (default): every job, as the dashboard page subscribes; `markers`: only the marker job
const SUBSCRIBE = process.env.SUBSCRIBE || 'all';
const WARMUP_S = Number(process.env.WARMUP_SECONDS || 15);
const STEADY_S = Number(process.env.STEADY_SECONDS || 60);
const PARTITIONS = Number(process.env.TOPIC_PARTITIONS || 6);
const MARKERS_PER_S = 10;
const MARKER_USER = 999_999_999_999; // no generated or real row has it
const MARKER_JOB = 'bench-markers';
const EMIT_EVERY_MS = 250; // gender-per-second's, the tightest default job
const NODE_FLAGS = ['--max-semi-space-size=8']; // the Dockerfile's, for producer and aggregator
// e.g. PROFILE=aggregator,gateway: those processes write a V8 CPU profile into the logs folder
const PROFILE = new Set((process.env.PROFILE || '').split(',').filter(Boolean));
const LOGS = process.env.BENCH_LOGS || '/tmp/streamtally-bench-pipeline';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const kafka = new Kafka({ clientId: 'bench-pipeline', brokers: BROKERS.split(','), logLevel: logLevel.NOTHING });

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Sum of a metric's samples on a /metrics page (label filter: a substring of the labels). */
function metricSum(text, name, labels = '') {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (labels && !rest.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const scrape = async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

/** A histogram's cumulative bucket counts (le -> count) for the series with these labels. */
function buckets(text, name, labels) {
  const counts = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(labels)) continue;
    const le = /le="([^"]+)"/.exec(line)[1];
    counts.set(le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** Prometheus's histogram_quantile over the difference of two bucket snapshots, in ms. */
function quantileMs(before, after, q) {
  const les = [...after.keys()].sort((a, b) => a - b);
  const counts = les.map((le) => after.get(le) - (before.get(le) || 0));
  const total = counts[counts.length - 1];
  if (!total) return NaN;
  const rank = q * total;
  for (let i = 0; i < les.length; i += 1) {
    if (counts[i] < rank) continue;
    if (les[i] === Infinity) return les[i - 1] * 1000;
    const [lower, below] = i === 0 ? [0, 0] : [les[i - 1], counts[i - 1]];
    return Math.round((lower + ((les[i] - lower) * (rank - below)) / (counts[i] - below)) * 1000);
  }
  return NaN;
}
const MARKER_SERIES = ['streamtally_gateway_event_to_screen_seconds', `aggregation="bench-markers"`];

/** CPU seconds (user + system) and peak RSS (MB) of a process so far. */
function usage(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { cpuS: ticks / 100, peakMb: Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024 };
}

/** The broker's and Redis's processes, found by their command lines (for CPU only). */
function infraPids() {
  const redisPort = new URL(REDIS_URL).port || '6379';
  const brokerPorts = BROKERS.split(',').map((b) => b.split(':')[1]);
  const found = {};
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (cmd.includes('redis-server') && cmd.includes(`:${redisPort}`)) found.redis = Number(pid);
    if (cmd.includes('kafka.Kafka') && !found.broker) {
      // kafka-local passes the node's properties file; its listeners name the port
      const props = /(\S+\.properties)/.exec(cmd.slice(cmd.indexOf('kafka.Kafka')));
      const text = props && fs.existsSync(props[1]) ? fs.readFileSync(props[1], 'utf8') : '';
      if (brokerPorts.some((port) => text.includes(`:${port}`))) found.broker = Number(pid);
    }
  }
  return found;
}

function start(name, script, env, flags = []) {
  const log = fs.openSync(path.join(LOGS, `${name}.log`), 'w');
  const profile = PROFILE.has(name) ? ['--cpu-prof', `--cpu-prof-dir=${path.join(LOGS, 'profiles')}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...flags, ...profile, path.join(root, script)], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', log, log],
  });
  child.on('exit', (code, signal) => {
    if (!child.stopping) console.error(`bench: ${name} exited (${code ?? signal}); see ${path.join(LOGS, `${name}.log`)}`);
  });
  return child;
}

async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.stopping = true;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Least-squares slope of (t, y) samples, per second. */
function slope(samples) {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((a, s) => a + s.t, 0) / n;
  const my = samples.reduce((a, s) => a + s.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mt) * (s.y - my);
    den += (s.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function runStep(rate) {
  const run = `bench-pipeline-${rate}-${Date.now()}`;
  const topics = { input: `${run}-actions`, lines: `${run}-lines`, results: `${run}-results` };
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.input, numPartitions: PARTITIONS },
      { topic: topics.lines, numPartitions: PARTITIONS },
      { topic: topics.results, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });
  await admin.disconnect();

  const shipped = JSON.parse(fs.readFileSync(path.join(root, 'services/aggregator/jobs.json'), 'utf8'));
  const jobs = shipped.map((job) => ({ ...job, source: job.source === 'text-lines' ? topics.lines : topics.input }));
  jobs.push({
    name: MARKER_JOB,
    source: topics.input,
    filter: `user_id == ${MARKER_USER}`,
    key: { field: 'user_id' },
    window: { type: 'running' },
    emitEveryMs: EMIT_EVERY_MS,
  });
  const [aggregatorPort, producerPort, gatewayPort, gatewayMetricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const processes = {};
  processes.aggregator = start(
    'aggregator',
    'services/aggregator/dist/main.js',
    {
      KAFKA_BROKERS: BROKERS,
      REDIS_URL,
      JOBS: JSON.stringify(jobs),
      STATE_NAMESPACE: run,
      CONSUMER_GROUP: `${run}-aggregator`,
      RESULTS_TOPIC: topics.results,
      LATE_EVENTS_TOPIC: `${run}-late`,
      DEAD_LETTER_TOPIC: `${run}-aggregator-dlq`,
      TOPIC_PARTITIONS: String(PARTITIONS),
      METRICS_PORT: String(aggregatorPort),
      METRICS_HOST: '127.0.0.1',
      // AGGREGATOR_FETCH_MIN_BYTES etc.: try a setting without rebuilding
      ...Object.fromEntries(
        Object.entries(process.env)
          .filter(([name]) => name.startsWith('AGGREGATOR_'))
          .map(([name, value]) => [name.slice('AGGREGATOR_'.length), value]),
      ),
    },
    NODE_FLAGS,
  );
  processes.gateway = start('gateway', 'services/gateway/dist/main.js', {
    KAFKA_BROKERS: BROKERS,
    RESULTS_TOPIC: topics.results,
    HOST: '127.0.0.1',
    PORT: String(gatewayPort),
    METRICS_PORT: String(gatewayMetricsPort),
    METRICS_HOST: '127.0.0.1',
    MAX_CONNECTIONS: String(CLIENTS + 100),
    CONSUMER_GROUP_PREFIX: `${run}-gateway`,
  });
  await waitFor('the aggregator', async () => (await fetch(`http://127.0.0.1:${aggregatorPort}/healthz`)).ok);
  await waitFor('the gateway', async () => (await fetch(`http://127.0.0.1:${gatewayPort}/readyz`)).ok);

  const clients = fork(path.join(__dirname, 'pipeline-clients.cjs'), [
    `ws://127.0.0.1:${gatewayPort}/ws`,
    String(CLIENTS),
    SUBSCRIBE === 'markers' ? MARKER_JOB : jobs.map((j) => j.name).join(','),
    MARKER_JOB,
    String(MARKER_USER),
  ]);
  const fromClients = (type) => new Promise((resolve) => clients.on('message', (m) => m.type === type && resolve(m)));
  const ready = await Promise.race([fromClients('ready'), fromClients('failed')]);
  if (ready.type !== 'ready') throw new Error(`clients: ${ready.error}`);

  processes.producer = start(
    'producer',
    'services/producer/dist/main.js',
    {
      KAFKA_BROKERS: BROKERS,
      INPUT_FILE: FILE,
      INPUT_TOPIC: topics.input,
      DEAD_LETTER_TOPIC: `${run}-dlq`,
      TOPIC_PARTITIONS: String(PARTITIONS),
      PACE: 'fixed',
      RATE: String(rate),
      LOOP: 'true',
      METRICS_PORT: String(producerPort),
      METRICS_HOST: '127.0.0.1',
    },
    NODE_FLAGS,
  );
  await waitFor('the producer', async () => (await fetch(`http://127.0.0.1:${producerPort}/healthz`)).ok);

  // markers, one at a time so they reach the partition in order
  const markerProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await markerProducer.connect();
  const markerSentAt = [undefined]; // markerSentAt[k]: when marker k was handed to Kafka
  let marking = true;
  const markerLoop = (async () => {
    for (let k = 1; marking; k += 1) {
      const due = Date.now() + 1000 / MARKERS_PER_S;
      const ts = Date.now();
      const event = {
        user_id: MARKER_USER,
        item_id: k,
        cat_id: 0,
        merchant_id: 0,
        brand_id: null,
        month: 11,
        day: 11,
        action: 0,
        age_range: 0,
        gender: 2,
        province: 'bench',
        ts,
        line: k,
      };
      markerSentAt[k] = ts;
      await markerProducer.send({ topic: topics.input, acks: -1, messages: [{ key: String(MARKER_USER), value: JSON.stringify(event) }] });
      await sleep(Math.max(0, due - Date.now()));
    }
  })();

  await sleep(WARMUP_S * 1000);
  const pids = { producer: processes.producer.pid, aggregator: processes.aggregator.pid, gateway: processes.gateway.pid, clients: clients.pid, ...infraPids() };
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, usage(pid)]));
  const producedBefore = metricSum(await scrape(producerPort), 'streamtally_producer_events_total');
  const consumedBefore = metricSum(await scrape(aggregatorPort), 'streamtally_aggregator_records_total');
  const firstMarker = markerSentAt.length;
  const gatewayBefore = buckets(await scrape(gatewayMetricsPort), ...MARKER_SERIES);
  clients.send('count');
  const started = Date.now();
  const lag = [];
  while (Date.now() - started < STEADY_S * 1000) {
    const text = await scrape(aggregatorPort);
    lag.push({ t: (Date.now() - started) / 1000, y: metricSum(text, 'streamtally_aggregator_consumer_lag') });
    await sleep(1000);
  }
  const elapsedS = (Date.now() - started) / 1000;
  const lastMarker = markerSentAt.length - 1;
  const producedAfter = metricSum(await scrape(producerPort), 'streamtally_producer_events_total');
  const consumedAfter = metricSum(await scrape(aggregatorPort), 'streamtally_aggregator_records_total');
  const after = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, usage(pid)]));
  const gatewayMetrics = await scrape(gatewayMetricsPort);
  const updatesReport = await new Promise((resolve) => {
    clients.once('message', resolve);
    clients.send('report');
  });

  // the input stops; markers of the steady minute still on their way get 15 s to arrive
  await stop(processes.producer);
  marking = false;
  await markerLoop;
  const deadline = Date.now() + 15_000;
  let report = updatesReport;
  while (Date.now() < deadline && report.seen.some((marks) => marks.length - 1 < lastMarker)) {
    await sleep(500);
    report = await new Promise((resolve) => {
      clients.once('message', resolve);
      clients.send('report');
    });
  }
  const latencies = [];
  let missing = 0;
  for (const marks of report.seen) {
    for (let k = firstMarker; k <= lastMarker; k += 1) {
      if (marks[k] === undefined) missing += 1;
      else latencies.push(marks[k] - markerSentAt[k]);
    }
  }
  latencies.sort((a, b) => a - b);

  clients.send('close');
  await markerProducer.disconnect();
  await Promise.all([stop(processes.aggregator), stop(processes.gateway)]);

  const lagSlope = slope(lag);
  const finalLag = lag.length ? lag[lag.length - 1].y : NaN;
  const produced = (producedAfter - producedBefore) / elapsedS;
  const consumed = (consumedAfter - consumedBefore) / elapsedS;
  // bounded: the backlog does not grow by more than 1% of the input per second over the
  // minute and stays under two seconds of input
  const bounded = lagSlope < 0.01 * rate && finalLag < 2 * rate;
  const cpu = Object.fromEntries(Object.keys(pids).map((name) => [name, (after[name].cpuS - before[name].cpuS) / elapsedS]));
  const peakMb = Object.fromEntries(Object.keys(pids).map((name) => [name, after[name].peakMb]));
  return {
    rate,
    clients: CLIENTS,
    produced: Math.round(produced),
    consumed: Math.round(consumed),
    lagFinal: finalLag,
    lagSlopePerS: Math.round(lagSlope),
    bounded,
    updatesPerS: Math.round(report.updates / elapsedS),
    gatewayEventToScreenCount: metricSum(gatewayMetrics, 'streamtally_gateway_event_to_screen_seconds_count'),
    // what production's metric said of the marker job over the same minute (from its buckets)
    gatewayMetricMs: {
      p50: quantileMs(gatewayBefore, buckets(gatewayMetrics, ...MARKER_SERIES), 0.5),
      p99: quantileMs(gatewayBefore, buckets(gatewayMetrics, ...MARKER_SERIES), 0.99),
    },
    latencyMs: {
      samples: latencies.length,
      missing,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1] : NaN,
    },
    cpu,
    peakMb,
  };
}

function line(r) {
  const cpu = Object.entries(r.cpu)
    .map(([name, share]) => `${name} ${(share * 100).toFixed(0)}%`)
    .join(', ');
  const rss = ['producer', 'aggregator', 'gateway', 'clients']
    .filter((name) => r.peakMb[name] !== undefined)
    .map((name) => `${name} ${r.peakMb[name].toFixed(0)}`)
    .join(', ');
  return [
    `rate ${r.rate}/s: input ${r.produced}/s, aggregated ${r.consumed}/s, lag ${r.lagFinal} (${r.lagSlopePerS >= 0 ? '+' : ''}${r.lagSlopePerS}/s, ${r.bounded ? 'bounded' : 'GROWING'})`,
    `  event-to-screen (${r.clients} clients, ${r.latencyMs.samples} samples, ${r.latencyMs.missing} missing): p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms; updates to clients ${r.updatesPerS}/s`,
    `  the gateway's own event_to_screen histogram, marker job, same minute: p50 ~${r.gatewayMetricMs.p50} ms, p99 ~${r.gatewayMetricMs.p99} ms (bucket-interpolated, to hand-over)`,
    `  CPU (of one core): ${cpu}`,
    `  peak RSS MB: ${rss}`,
  ].join('\n');
}

(async () => {
  fs.mkdirSync(LOGS, { recursive: true });
  const results = [];
  for (const rate of RATES) {
    const result = await runStep(rate);
    results.push(result);
    console.log(line(result));
    if (!result.bounded && result.produced < 0.95 * rate) break; // neither side keeps up: higher rates only say so again
  }
  // sustained: the input kept its pace (within 5%) and the lag stayed bounded; the figure is
  // the input rate reached, not the step's target
  const sustained = results.filter((r) => r.bounded && r.produced >= 0.95 * r.rate).sort((a, b) => b.produced - a.produced)[0];
  console.log(sustained ? `highest rate sustained with bounded lag: ${sustained.produced} events/s (the ${sustained.rate}/s step)` : 'no step sustained');
  fs.writeFileSync(path.join(LOGS, 'results.json'), JSON.stringify(results, null, 2));
  console.log(`figures: ${path.join(LOGS, 'results.json')}; logs: ${LOGS}`);
  process.exit(0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
