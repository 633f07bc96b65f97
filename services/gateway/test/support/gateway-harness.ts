import WebSocket from 'ws';
import { Registry } from 'prom-client';
import {
  DESCRIPTIONS_KEY,
  encodeJobDescriptions,
  encodeWindowResult,
  type JobDescription,
  resultVersion,
  WindowResult,
  windowResultKey,
} from '@streamtally/contracts';
import { createKafka, createProducer, ensureTopics, Kafka, Producer } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { testBrokers, uniqueName, waitFor } from '@streamtally/test-support';
import { createGatewayApp } from '../../src/app';
import { GatewayConfig, parseGatewayConfig } from '../../src/config';

export interface GatewayHarness {
  url: string;
  /** where /metrics is (a free port) */
  metricsPort: number;
  config: GatewayConfig;
  registry: Registry;
  /** a job's windows as the public API gives them (404: none yet) */
  windows(job: string): Promise<WindowResult[]>;
  /** WebSocket clients connected, as the gateway's gauge says */
  clients(): Promise<number>;
  /** the largest client send buffer (bytes) since the last read of this gauge */
  sendBufferPeak(): Promise<number>;
  /** writes results to the topic, `perRequest` at a time (small results can go many at once) */
  publish(results: WindowResult[], perRequest?: number): Promise<void>;
  /** writes a job-descriptions record, as the aggregator does at its start */
  describe(jobs: JobDescription[]): Promise<void>;
  /** the public /api/jobs */
  jobs(): Promise<{ jobs: JobDescription[]; withResults: string[] }>;
  close(): Promise<void>;
}

/** A gateway on a fresh results topic, listening on a free port: main.ts's own createGatewayApp. */
export async function startGateway(settings: Record<string, string> = {}): Promise<GatewayHarness> {
  const topic = uniqueName('results');
  const jobsTopic = `${topic}-jobs`;
  const parsed = parseGatewayConfig({
    KAFKA_BROKERS: testBrokers().join(','),
    RESULTS_TOPIC: topic,
    JOB_DESCRIPTIONS_TOPIC: jobsTopic,
    HOST: '127.0.0.1',
    PORT: '0',
    FETCH_MAX_WAIT_MS: '50',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    CONSUMER_GROUP_PREFIX: uniqueName('gw'),
    ...settings,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const config = parsed.config;
  const kafka: Kafka = createKafka({ brokers: testBrokers(), clientId: 'gateway-test', logger: silentLogger() });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [
    { topic, numPartitions: 2, config: { 'cleanup.policy': 'compact' } },
    { topic: jobsTopic, numPartitions: 1, config: { 'cleanup.policy': 'compact' } },
  ]);
  await admin.disconnect();
  const registry = new Registry();
  const app = await createGatewayApp({ config, logger: silentLogger(), registry, kafka });
  const started = await app.start();
  // idempotent: kafkajs retries a whole request when one partition of it fails (a leader not
  // yet known on a new topic), so a plain producer writes the partitions that had succeeded
  // twice; seen in CI as one partition of a word-count test's input counted twice
  const producer: Producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    url: started.address.replace('http://', 'ws://') + '/ws',
    metricsPort: started.metricsPort,
    config,
    registry,
    async windows(job) {
      const reply = await fetch(`${started.address}/api/windows/${encodeURIComponent(job)}`);
      return reply.status === 404 ? [] : ((await reply.json()) as { windows: WindowResult[] }).windows;
    },
    clients: () => gaugeValue(registry, 'streamtally_gateway_clients'),
    sendBufferPeak: () => gaugeValue(registry, 'streamtally_gateway_send_buffer_peak_bytes'),
    async publish(list, perRequest = 20) {
      // 20 a request stays under the broker's 1 MB batch limit even for large results
      for (let i = 0; i < list.length; i += perRequest) {
        await producer.send({
          topic,
          acks: -1,
          messages: list.slice(i, i + perRequest).map((r) => ({ key: windowResultKey(r.job, r.windowStart), value: encodeWindowResult(r) })),
        });
      }
    },
    async describe(jobs) {
      await producer.send({ topic: jobsTopic, acks: -1, messages: [{ key: DESCRIPTIONS_KEY, value: encodeJobDescriptions({ jobs, writtenAt: Date.now() }) }] });
    },
    async jobs() {
      return (await (await fetch(`${started.address}/api/jobs`)).json()) as { jobs: JobDescription[]; withResults: string[] };
    },
    async close() {
      await producer.disconnect();
      await app.close();
    },
  };
}

async function gaugeValue(registry: Registry, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values[0]?.value ?? 0;
}

/** A WebSocket client that records every message it reads. */
export interface TestClient {
  socket: WebSocket;
  messages: { type: string; [key: string]: unknown }[];
  closed: Promise<{ code: number; reason: string }>;
  send(data: unknown): void;
}

export async function connectClient(url: string, options?: WebSocket.ClientOptions): Promise<TestClient> {
  const socket = new WebSocket(url, options);
  const messages: TestClient['messages'] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return { socket, messages, closed, send: (data) => socket.send(typeof data === 'string' ? data : JSON.stringify(data)) };
}

/** A job as the aggregator would describe it: tumbling `sizeMs` windows by `fields` (or a running total). */
export function description(name: string, fields: string[], sizeMs: number | 'running', extra: Partial<JobDescription> = {}): JobDescription {
  return {
    name,
    source: { name: 'flights', topic: 'flights', format: 'json' },
    window: sizeMs === 'running' ? { type: 'running' } : { type: 'tumbling', sizeMs },
    key: { fields },
    keyTypes: Object.fromEntries(fields.map((f) => [f, 'string'])),
    maxKeys: 1000,
    allowedLatenessMs: 0,
    holds: 'counts',
    ...extra,
  };
}

/** A result whose version grows with its counts, as if each event had been one change of the window. */
export function result(job: string, windowStart: number, counts: Record<string, number>, final = false): WindowResult {
  const changes = Object.values(counts).reduce((a, b) => a + b, 0);
  return { job, windowStart, windowEnd: windowStart + 1000, counts, final, version: resultVersion(changes, final), emittedAt: Date.now() };
}

/** Every result a client was sent in updates, one result per `update`, several per `updates`. */
export function resultsIn(messages: TestClient['messages']): WindowResult[] {
  return messages.flatMap((m) => (m.type === 'update' ? [m.result as WindowResult] : m.type === 'updates' ? (m.results as WindowResult[]) : []));
}

export async function subscribed(client: TestClient, jobs: string[]): Promise<void> {
  client.send({ type: 'subscribe', jobs });
  await waitFor(() => client.messages.filter((m) => m.type === 'snapshot').length >= jobs.length, { what: 'snapshots' });
}
