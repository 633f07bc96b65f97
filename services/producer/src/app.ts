import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DEAD_LETTER_RAW_LIMIT, DEAD_LETTER_REASON_LIMIT, MAX_TEXT_LINE_BYTES, type ProblemCode } from '@streamtally/contracts';
import { type Kafka, RECORD_BATCH_OVERHEAD } from '@streamtally/kafka-client';
import type { HealthReport } from '@streamtally/observability';
import type { ProducerConfig } from './config';
import { createProducerMetrics, ProducerMetrics } from './metrics';
import { KafkaOutput } from './adapters/kafka-output';
import { BatchSender, deliverUntilAcknowledged } from './replay/batch-sender';
import { Clock, systemClock } from './replay/clock';
import { ReplayHooks, ReplaySummary } from './replay/replay';
import { unpackBatch } from './replay/packed-batch';
import { replayOnThread } from './replay/replay-on-thread';
import type { ReplayThreadData } from './replay/replay-thread';
import type { RowsSpec } from './rows/file-kinds';
import { LineCounts, publishLines } from './lines/publish-lines';
import { startTcpLineServer } from './lines/tcp-line-server';

export interface ProducerAppDeps {
  config: ProducerConfig;
  logger: Logger;
  registry: Registry;
  kafka: Kafka;
  /** for text lines; the file replay runs on its own thread, on the system clock */
  clock?: Clock;
  /** the replay thread's compiled entry point (tests run from src/ and pass dist's) */
  replayThreadEntry?: string;
  /** the replay thread logs to stderr, as main.ts does under a progress bar */
  logToStderr?: boolean;
  /** what INPUT_FILE holds (input-plan.ts); default: the tutorial's user_log CSV */
  rows?: RowsSpec;
}

export interface ProducerApp {
  metrics: ProducerMetrics;
  /** Replays INPUT_FILE until its end, LIMIT, or `signal`. */
  replay(signal: AbortSignal, hooks?: ReplayHooks): Promise<ReplaySummary>;
  /** Publishes text lines from TCP (until `signal`) or from `stdin` (until it ends). */
  lines(signal: AbortSignal, stdin?: AsyncIterable<Buffer>, onListening?: (port: number) => void): Promise<LineCounts>;
  health(): HealthReport;
  close(): Promise<void>;
}

/** Fails before anything is sent when the file is missing, a directory, or unreadable. */
export async function assertReadableFile(file: string): Promise<number> {
  let stat: fs.Stats;
  try {
    await fs.promises.access(file, fs.constants.R_OK);
    stat = await fs.promises.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : (err as Error).message;
    throw new Error(`INPUT_FILE ${file} ${why}`);
  }
  if (!stat.isFile()) throw new Error(`INPUT_FILE ${file} is not a regular file`);
  return stat.size;
}

export function createProducerApp({
  config,
  logger,
  registry,
  kafka,
  clock = systemClock,
  replayThreadEntry = path.join(__dirname, 'replay-thread-main.js'),
  logToStderr = false,
  rows = { kind: 'user-log', userLog: { year: config.DATA_YEAR, maxRowBytes: config.MAX_ROW_BYTES, maxFieldBytes: config.MAX_FIELD_BYTES } },
}: ProducerAppDeps): ProducerApp {
  const metrics = createProducerMetrics(registry);
  const output = new KafkaOutput(kafka, config, logger, metrics, registry);

  return {
    metrics,
    async replay(signal, hooks) {
      await assertReadableFile(config.INPUT_FILE);
      const limits = await output.prepare([
        { topic: config.INPUT_TOPIC, setting: 'INPUT_TOPIC', cleanup: 'delete' },
        { topic: config.DEAD_LETTER_TOPIC, setting: 'DEAD_LETTER_TOPIC', cleanup: 'delete' },
      ]);
      assertDeadLettersFit(config.DEAD_LETTER_TOPIC, limits);
      const deliveryOptions = output.delivery(signal);
      const log = { level: logger.level, toStderr: logToStderr };
      return replayOnThread(replayThreadData(config, rows, limits, batchLimits(config, limits, logger)), {
        startThread: (workerData) => new Worker(replayThreadEntry, { workerData: { data: workerData, log } }),
        deliver: (batch) => deliverUntilAcknowledged(batch, deliveryOptions),
        signal,
        hooks: {
          ...hooks,
          onDeadLetter: (code) => {
            metrics.deadLetters.inc({ reason: code });
            hooks?.onDeadLetter?.(code);
          },
        },
      });
    },
    async lines(signal, stdin, onListening) {
      const limits = await output.prepare([
        { topic: config.TEXT_TOPIC, setting: 'TEXT_TOPIC', cleanup: 'delete' },
        { topic: config.TEXT_DEAD_LETTER_TOPIC, setting: 'TEXT_DEAD_LETTER_TOPIC', cleanup: 'delete' },
      ]);
      assertFits(config.TEXT_TOPIC, limits, MAX_TEXT_LINE_BYTES * 2, 'a text line');
      assertDeadLettersFit(config.TEXT_DEAD_LETTER_TOPIC, limits);
      const deliveryOptions = output.delivery(signal);
      const sender = new BatchSender({
        send: (batch) => deliverUntilAcknowledged(unpackBatch(batch), deliveryOptions),
        ...batchLimits(config, limits, logger),
      });
      return serveLines({ config, logger, metrics, clock, sender }, { signal, ...(stdin ? { stdin } : {}), ...(onListening ? { onListening } : {}) });
    },
    health: () => output.health(),
    close: () => output.close(),
  };
}

/**
 * Batches that fit every topic they write: a request never passes the smallest
 * max.message.bytes among them, so Kafka cannot refuse it for its size.
 */
function batchLimits(config: ProducerConfig, limits: Map<string, number>, logger: Logger): { maxMessages: number; maxBytes: number } {
  const smallest = Math.min(...limits.values());
  const maxBytes = Math.min(config.BATCH_BYTES, smallest - RECORD_BATCH_OVERHEAD);
  if (maxBytes < config.BATCH_BYTES) logger.info({ maxBytes, limits: Object.fromEntries(limits) }, "batches capped by a topic's max.message.bytes");
  return { maxMessages: config.BATCH_SIZE, maxBytes };
}

/** What the replay thread starts with: plain data only (workerData). */
function replayThreadData(config: ProducerConfig, rows: RowsSpec, limits: Map<string, number>, batch: ReplayThreadData['batch']): ReplayThreadData {
  return {
    settings: {
      file: config.INPUT_FILE,
      deadLetterTopic: config.DEAD_LETTER_TOPIC,
      limit: config.LIMIT,
      loop: config.LOOP,
      maxRefusedFraction: config.MAX_REFUSED_FRACTION,
    },
    rows,
    events: { topic: config.INPUT_TOPIC, maxRecordBytes: limits.get(config.INPUT_TOPIC)! - RECORD_BATCH_OVERHEAD },
    inputFile: config.INPUT_FILE,
    pace:
      config.PACE === 'fixed'
        ? { mode: 'fixed', eventsPerSecond: config.RATE }
        : config.PACE === 'dates'
          ? { mode: 'dates', speedup: config.SPEEDUP }
          : { mode: 'max' },
    batch,
    // 64 KiB reads: larger chunks keep their records alive past young-generation GC (docs/benchmarks.md, "Choices in the code")
    readChunkBytes: 64 * 1024,
  };
}

interface LineParts {
  config: ProducerConfig;
  logger: Logger;
  metrics: ProducerMetrics;
  clock: Clock;
  sender: BatchSender;
}

/** Text lines from `stdin` until it ends, or from TCP until `signal`; every line acknowledged before it resolves. */
async function serveLines(
  { config, logger, metrics, clock, sender }: LineParts,
  { signal, stdin, onListening }: { signal: AbortSignal; stdin?: AsyncIterable<Buffer>; onListening?: (port: number) => void },
): Promise<LineCounts> {
  const counts: LineCounts = { lines: 0, deadLettered: 0 };
  const topics = { textTopic: config.TEXT_TOPIC, deadLetterTopic: config.TEXT_DEAD_LETTER_TOPIC };
  const lineDeps = {
    sender,
    clock,
    counts,
    onLine: () => metrics.textLines.inc(),
    onDeadLetter: (code: ProblemCode) => metrics.deadLetters.inc({ reason: code }),
  };
  if (stdin) {
    await publishLines(stdin, 'stdin', topics, lineDeps);
  } else {
    const listen = { host: config.LISTEN_HOST, port: config.LISTEN_PORT, maxConnections: config.LISTEN_MAX_CONNECTIONS, logger };
    const server = await startTcpLineServer({ ...listen, onRefused: () => metrics.refusedConnections.inc() }, (socket, source) =>
      publishLines(socket, source, topics, lineDeps),
    );
    logger.info({ port: server.port }, 'accepting text lines over TCP');
    onListening?.(server.port);
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    await server.close();
  }
  await sender.drain();
  return counts;
}

/** The largest dead letter: its raw part, its reason and its fields, escaped at worst. */
const DEAD_LETTER_MAX_BYTES = 4 * DEAD_LETTER_RAW_LIMIT + 2 * DEAD_LETTER_REASON_LIMIT + 1024;

/** Stops start-up when a topic cannot take the records it must: better than a refusal mid-replay. */
function assertFits(topic: string, limits: Map<string, number>, needed: number, what: string): void {
  const limit = limits.get(topic)!;
  if (limit - RECORD_BATCH_OVERHEAD < needed) {
    throw new Error(`topic ${topic} takes records of at most ${limit} bytes (max.message.bytes): too small for ${what} (${needed} bytes); raise it`);
  }
}

function assertDeadLettersFit(topic: string, limits: Map<string, number>): void {
  assertFits(topic, limits, DEAD_LETTER_MAX_BYTES, 'a dead letter');
}
