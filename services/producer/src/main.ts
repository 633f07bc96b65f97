#!/usr/bin/env node
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { DEFAULT_TOPICS } from '@streamtally/contracts';
import { connectAdmin, createKafka } from '@streamtally/kafka-client';
import { createLogger, createRegistry, Logger, OpsServer, runMain, startOpsServer } from '@streamtally/observability';
import { createProducerApp, ProducerApp } from './app';
import { helpText, parseCommandLine } from './cli/args';
import { progressLine } from './cli/progress';
import { formatRecord } from './cli/tail-command';
import { describeTopics, formatTopicReports } from './cli/topics-command';
import { parseProducerConfig, ProducerConfig } from './config';
import { writeUserLog } from './sample-data/write-file';

async function main(): Promise<number> {
  const commandLine = parseCommandLine(process.argv.slice(2));
  if (!commandLine.ok) {
    process.stderr.write(`streamtally-producer: ${commandLine.error}\n`);
    return 2;
  }
  const { command, values, positionals, help } = commandLine.value;
  if (help) {
    process.stdout.write(helpText() + '\n');
    return 0;
  }
  if (command === 'generate') return generate(commandLine.value.generate);

  const parsed = parseProducerConfig({ ...process.env, ...values });
  if (!parsed.ok) {
    process.stderr.write(`streamtally-producer: invalid settings:\n  ${parsed.errors.join('\n  ')}\n`);
    return 2;
  }
  const config = parsed.config;
  const interactive = config.PROGRESS === 'on' || (config.PROGRESS === 'auto' && process.stdout.isTTY === true);
  // a terminal gets a progress bar; JSON logs would garble it, so only warnings go through
  const logger = createLogger({
    service: 'producer',
    level: interactive && command === 'replay' ? 'warn' : config.LOG_LEVEL,
    destination: interactive ? process.stderr : undefined,
  });
  const controller = new AbortController();
  installSignalHandlers(controller, logger);

  if (command === 'topics') return topics(config);
  if (command === 'tail') return tail(config, positionals[0], commandLine.value.fromBeginning, controller.signal);

  const registry = createRegistry('producer');
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger });
  const app = createProducerApp({ config, logger, registry, kafka });
  let ops: OpsServer | undefined;
  try {
    if (config.METRICS_PORT > 0) {
      ops = await startOpsServer({ registry, health: () => app.health(), port: config.METRICS_PORT, host: config.METRICS_HOST });
    }
    if (command === 'lines') {
      const stdin = config.LINES_FROM === 'stdin' ? (process.stdin as AsyncIterable<Buffer>) : undefined;
      const counts = await app.lines(controller.signal, stdin);
      logger.info({ ...counts }, 'text lines published');
      return 0;
    }
    return await replay(app, config, logger, interactive, controller.signal);
  } catch (err) {
    logger.error({ err }, 'producer stopped');
    process.stderr.write(`streamtally-producer: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await app.close().catch((err) => logger.warn({ err }, 'closing the Kafka producer failed'));
    await ops?.close();
  }
}

async function replay(app: ProducerApp, config: ProducerConfig, logger: Logger, interactive: boolean, signal: AbortSignal): Promise<number> {
  const totalBytes = fs.existsSync(config.INPUT_FILE) ? fs.statSync(config.INPUT_FILE).size : 0;
  const started = Date.now();
  const progress = { bytesRead: 0, events: 0, deadLettered: 0 };
  const render = () => {
    const line = progressLine({ ...progress, totalBytes, elapsedMs: Date.now() - started });
    if (interactive) process.stdout.write(`\r${line}`);
    else logger.info({ ...progress, totalBytes }, 'replay progress');
  };
  const timer = setInterval(render, interactive ? 200 : 10_000);
  try {
    const summary = await app.replay(signal, {
      onBytesRead: (n) => (progress.bytesRead += config.LOOP ? 0 : n),
      onEvent: () => (progress.events += 1),
      onDeadLetter: () => (progress.deadLettered += 1),
    });
    clearInterval(timer);
    if (interactive) {
      render();
      const reasons = Object.entries(summary.deadLetterReasons)
        .map(([k, n]) => `${k}=${n}`)
        .join(' ');
      process.stdout.write(
        `\nreplayed ${summary.events} events from ${summary.linesRead} lines in ${(summary.elapsedMs / 1000).toFixed(1)}s ` +
          `(stopped by ${summary.stoppedBy}); ${summary.deadLettered} dead-lettered${reasons ? ` (${reasons})` : ''}\n`,
      );
    }
    // peak resident memory: what an operator sizes the container by
    logger.info({ summary, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }, 'replay finished');
    return 0;
  } finally {
    clearInterval(timer);
  }
}

async function topics(config: ProducerConfig): Promise<number> {
  const logger = createLogger({ service: 'producer', level: 'warn', destination: process.stderr });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-topics`, logger });
  const admin = kafka.admin();
  await connectAdmin(admin, config.KAFKA_BROKERS, config.BROKER_TIMEOUT_MS);
  try {
    const names = [
      ...new Set([
        config.INPUT_TOPIC,
        config.DEAD_LETTER_TOPIC,
        config.TEXT_TOPIC,
        config.TEXT_DEAD_LETTER_TOPIC,
        DEFAULT_TOPICS.windowResults,
        DEFAULT_TOPICS.lateEvents,
        DEFAULT_TOPICS.aggregatorDeadLetter,
      ]),
    ];
    const reports = await describeTopics(admin, names);
    const found = new Set(reports.map((r) => r.topic));
    process.stdout.write(
      formatTopicReports(
        reports,
        names.filter((n) => !found.has(n)),
      ) + '\n',
    );
    return 0;
  } finally {
    await admin.disconnect();
  }
}

async function tail(config: ProducerConfig, topic: string | undefined, fromBeginning: boolean, signal: AbortSignal): Promise<number> {
  if (!topic) {
    process.stderr.write('streamtally-producer: tail needs a topic, e.g. tail window-results\n');
    return 2;
  }
  const logger = createLogger({ service: 'producer', level: 'warn', destination: process.stderr });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-tail`, logger });
  const admin = kafka.admin();
  await connectAdmin(admin, config.KAFKA_BROKERS, config.BROKER_TIMEOUT_MS);
  const exists = (await admin.listTopics()).includes(topic);
  if (!exists) {
    await admin.disconnect();
    process.stderr.write(`streamtally-producer: topic ${topic} does not exist\n`);
    return 1;
  }
  // a throw-away group: tailing never moves anyone's offsets
  const groupId = `streamtally-tail-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
  let printed = 0;
  const limit = config.LIMIT ?? Infinity;
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  // `tail … | head` closes the pipe: that ends the tail, quietly
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    printed = limit;
    stop();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      if (printed >= limit) return;
      process.stdout.write(formatRecord(topic, partition, message) + '\n');
      if (++printed >= limit) stop();
    },
  });
  await stopped;
  await consumer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  return 0;
}

async function generate(options: { rows?: string; out?: string; seed?: string; badRows?: string }): Promise<number> {
  const rows = Number(options.rows ?? 1000);
  const seed = Number(options.seed ?? 1);
  const badRowFraction = Number(options.badRows ?? 0);
  const errors = [
    !Number.isInteger(rows) || rows < 1 ? `--rows: expected a positive integer (got "${options.rows}")` : '',
    !Number.isInteger(seed) ? `--seed: expected an integer (got "${options.seed}")` : '',
    !(badRowFraction >= 0 && badRowFraction <= 1) ? `--bad-rows: expected a fraction 0-1 (got "${options.badRows}")` : '',
    !options.out ? '--out: the file to write is required' : '',
  ].filter(Boolean);
  if (errors.length > 0) {
    process.stderr.write(`streamtally-producer generate: ${errors.join('; ')}\n`);
    return 2;
  }
  const written = await writeUserLog(options.out!, { rows, seed, badRowFraction });
  process.stdout.write(`wrote ${written.rows} rows (${written.bytes} bytes) to ${options.out}\n`);
  return 0;
}

function installSignalHandlers(controller: AbortController, logger: Logger): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without flushing');
      process.exit(130);
    }
    logger.info({ signal }, 'stopping: flushing what was read');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

runMain('streamtally-producer', main);
