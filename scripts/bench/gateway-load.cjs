// Load for the gateway benchmark: N WebSocket clients subscribed to one job while results
// are written to Kafka at a fixed rate. Latency per delivery = client receive time - the
// result's emittedAt (stamped just before it is written to Kafka), so it includes the Kafka
// hop on top of the gateway's consume-to-send path.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '../..');
const requireFrom = (pkg) => require(require.resolve(pkg, { paths: [path.join(root, 'services/gateway')] }));
const WebSocket = requireFrom('ws');
// kafkajs (our patched copy) is a dependency of kafka-client only
const { Kafka, logLevel, Partitioners } = require(require.resolve('kafkajs', { paths: [path.join(root, 'packages/kafka-client')] }));

const [url, brokers, topic, pid, clientsText, rateText, secondsText] = process.argv.slice(2);
const CLIENTS = Number(clientsText),
  RATE = Number(rateText),
  SECONDS = Number(secondsText);
const UPDATES = RATE * SECONDS;

function rssOf(pidText) {
  const status = fs.readFileSync(`/proc/${pidText}/status`, 'utf8');
  return { rss: Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024, peak: Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024 };
}

(async () => {
  const latencies = new Float64Array(CLIENTS * UPDATES);
  let samples = 0;
  const received = new Uint32Array(CLIENTS);
  const sockets = [];
  for (let i = 0; i < CLIENTS; i += 1) {
    const socket = new WebSocket(url);
    sockets.push(socket);
    socket.on('message', (data) => {
      const message = JSON.parse(data);
      const results = message.type === 'update' ? [message.result] : message.type === 'updates' ? message.results : [];
      for (const result of results) {
        latencies[samples++] = Date.now() - result.emittedAt;
        received[i] += 1;
      }
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'subscribe', jobs: ['bench'] }));
  }
  process.stderr.write(`${CLIENTS} clients connected and subscribed; gateway RSS ${rssOf(pid).rss.toFixed(0)} MB\n`);

  const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'gateway-bench', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const start = Date.now();
  let peakRss = 0;
  for (let n = 0; n < UPDATES; n += 1) {
    const due = start + (n * 1000) / RATE;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    const result = {
      job: 'bench',
      windowStart: n * 1000,
      windowEnd: n * 1000 + 1000,
      counts: { 0: n, 1: 2 * n, 2: 3 },
      final: false,
      version: 2 * (3 * n + 3),
      emittedAt: Date.now(),
    };
    await producer.send({ topic, acks: 1, messages: [{ key: `bench@${result.windowStart}`, value: JSON.stringify(result) }] });
    if (n % RATE === 0) peakRss = Math.max(peakRss, rssOf(pid).rss);
  }
  const deadline = Date.now() + 10_000;
  while (samples < CLIENTS * UPDATES && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const sorted = Array.from(latencies.subarray(0, samples)).sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const complete = received.filter((count) => count === UPDATES).length;
  const memory = rssOf(pid);
  console.log(
    `gateway: ${CLIENTS} clients x ${UPDATES} updates (${RATE}/s for ${SECONDS} s): delivered ${samples} of ${CLIENTS * UPDATES} (${complete} clients got every update); ` +
      `latency Kafka write -> client p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${sorted[sorted.length - 1]} ms; gateway RSS peak ${Math.max(peakRss, memory.peak).toFixed(0)} MB`,
  );
  await producer.disconnect();
  for (const socket of sockets) socket.terminate();
  process.exit(samples === CLIENTS * UPDATES ? 0 : 1);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
