import fs from 'node:fs';
import { Partitioners } from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { connectAdmin, createKafkaClientMetrics, ensureTopics, instrumentProducer, TopicSpec } from '@streamtally/kafka-client';
import type { HealthReport } from '@streamtally/observability';
import type { ProducerConfig } from './config';
import { createProducerMetrics, ProducerMetrics } from './metrics';
import { kafkaSendBatch } from './adapters/kafka-send';
import { BatchSender } from './replay/batch-sender';
import { Clock, systemClock } from './replay/clock';
import { replayFile, ReplayHooks, ReplaySummary } from './replay/replay';
import { createPacer } from './pacing/pacer';
import { LineCounts, publishLines } from './lines/publish-lines';
import { startTcpLineServer } from './lines/tcp-line-server';

export interface ProducerAppDeps {
  config: ProducerConfig;
  logger: Logger;
  registry: Registry;
  kafka: Kafka;
  clock?: Clock;
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

export function createProducerApp({ config, logger, registry, kafka, clock = systemClock }: ProducerAppDeps): ProducerApp {
  const metrics = createProducerMetrics(registry);
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // kafkajs retries a few times itself; BatchSender retries the same batch after that
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
  });
  instrumentProducer(producer, createKafkaClientMetrics(registry), 'producer');
  let connected = false;
  let lastSendError: string | undefined;
  let acknowledged = 0;
  let rateTimer: NodeJS.Timeout | undefined;

  async function prepare(topics: TopicSpec[]): Promise<void> {
    const admin = kafka.admin();
    await connectAdmin(admin, config.KAFKA_BROKERS, config.BROKER_TIMEOUT_MS);
    try {
      const created = await ensureTopics(admin, topics);
      if (created.length > 0) logger.info({ topics: created }, 'created topics');
    } finally {
      await admin.disconnect();
    }
    await producer.connect();
    connected = true;
    let previous = 0;
    rateTimer = setInterval(() => {
      metrics.rate.set(acknowledged - previous);
      previous = acknowledged;
    }, 1000).unref();
  }

  function createSender(signal: AbortSignal): BatchSender {
    return new BatchSender({
      send: kafkaSendBatch(producer, 30_000),
      logger,
      maxMessages: config.BATCH_SIZE,
      maxBytes: config.BATCH_BYTES,
      signal,
      giveUpAfterAbortMs: config.SHUTDOWN_GRACE_MS,
      onSent: (batch, seconds) => {
        lastSendError = undefined;
        metrics.sendDuration.observe(seconds);
        metrics.bytes.inc(batch.bytes);
        const events = batch.byTopic.get(config.INPUT_TOPIC)?.length ?? batch.byTopic.get(config.TEXT_TOPIC)?.length ?? 0;
        metrics.events.inc(events);
        acknowledged += events;
      },
      onSendError: (err) => {
        lastSendError = (err as Error).message;
        metrics.sendErrors.inc();
      },
    });
  }

  const partitions = config.TOPIC_PARTITIONS;
  return {
    metrics,
    async replay(signal, hooks) {
      await assertReadableFile(config.INPUT_FILE);
      await prepare([
        { topic: config.INPUT_TOPIC, numPartitions: partitions },
        { topic: config.DEAD_LETTER_TOPIC, numPartitions: partitions },
      ]);
      return replayFile(
        {
          file: config.INPUT_FILE,
          eventTopic: config.INPUT_TOPIC,
          deadLetterTopic: config.DEAD_LETTER_TOPIC,
          year: config.DATA_YEAR,
          limit: config.LIMIT,
          loop: config.LOOP,
          maxRowBytes: config.MAX_ROW_BYTES,
          maxFieldBytes: config.MAX_FIELD_BYTES,
        },
        {
          // 64 KiB reads: a chunk's records are all alive until the chunk is done, and with
          // 1 MiB chunks they outlived young-generation GC and raised peak RSS by ~20 MB
          openFile: () => fs.createReadStream(config.INPUT_FILE, { highWaterMark: 64 * 1024 }),
          pacer: createPacer(
            config.PACE === 'fixed' ? { mode: 'fixed', eventsPerSecond: config.RATE }
              : config.PACE === 'dates' ? { mode: 'dates', speedup: config.SPEEDUP } : { mode: 'max' },
          ),
          sender: createSender(signal),
          clock,
          logger,
          signal,
          hooks: {
            ...hooks,
            onDeadLetter: (kind) => {
              metrics.deadLetters.inc({ reason: kind });
              hooks?.onDeadLetter?.(kind);
            },
          },
        },
      );
    },
    async lines(signal, stdin, onListening) {
      await prepare([
        { topic: config.TEXT_TOPIC, numPartitions: partitions },
        { topic: config.TEXT_DEAD_LETTER_TOPIC, numPartitions: partitions },
      ]);
      const sender = createSender(signal);
      const counts: LineCounts = { lines: 0, deadLettered: 0 };
      const topics = { textTopic: config.TEXT_TOPIC, deadLetterTopic: config.TEXT_DEAD_LETTER_TOPIC };
      const lineDeps = {
        sender, clock, counts,
        onLine: () => metrics.textLines.inc(),
        onDeadLetter: (kind: string) => metrics.deadLetters.inc({ reason: kind }),
      };
      if (stdin) {
        await publishLines(stdin, 'stdin', topics, lineDeps);
      } else {
        const server = await startTcpLineServer(
          { host: config.LISTEN_HOST, port: config.LISTEN_PORT, logger },
          (socket, source) => publishLines(socket, source, topics, lineDeps),
        );
        logger.info({ port: server.port }, 'accepting text lines over TCP');
        onListening?.(server.port);
        await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
        await server.close();
      }
      await sender.drain();
      return counts;
    },
    health() {
      return {
        healthy: connected && lastSendError === undefined,
        details: { connected, lastSendError: lastSendError ?? null, eventsAcknowledged: acknowledged },
      };
    },
    async close() {
      if (rateTimer) clearInterval(rateTimer);
      if (connected) {
        connected = false;
        await producer.disconnect();
      }
    },
  };
}
