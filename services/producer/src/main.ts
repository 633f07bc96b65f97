#!/usr/bin/env node
import fs from 'node:fs';
import { announceConnection, createKafka, kafkaConnectionOf, type KafkaConnection } from '@streamtally/kafka-client';
import { createLogger, createRegistry, firstStopSignal, Logger, OpsServer, runMain, startOpsServer } from '@streamtally/observability';
import { createProducerApp, ProducerApp } from './app';
import { helpText, parseCommandLine } from './cli/args';
import { progressLine } from './cli/progress';
import { generateCommand, GenerateOptions } from './cli/generate-command';
import { tailCommand } from './cli/tail-command';
import { formatTopicReports, pipelineTopics, topicsCommand } from './cli/topics-command';
import { parseProducerConfig, ProducerConfig } from './config';
import { planInput } from './input-plan';
import type { RowsSpec } from './rows/file-kinds';

/** The settings (environment, then command-line options over it) and the Kafka connection they describe, checked. */
function startupSettings(values: Record<string, string | undefined>, command: string) {
  const given = { ...process.env, ...values };
  const parsed = parseProducerConfig(given);
  if (!parsed.ok) return { ok: false as const, errors: parsed.errors };
  // what the replay reads: the user_log file, or a declared source's (SOURCE_FILE)
  let config = parsed.config;
  let rows: RowsSpec | undefined;
  if (command === 'replay') {
    const plan = planInput(parsed.config, given, (file) => fs.readFileSync(file, 'utf8'));
    if (!plan.ok) return { ok: false as const, errors: plan.errors };
    ({ config, rows } = plan);
  }
  const connected = kafkaConnectionOf(config);
  if (!connected.ok) return { ok: false as const, errors: connected.errors };
  return { ok: true as const, config, rows, connection: connected.connection };
}

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

  const settings = startupSettings(values, command);
  if (!settings.ok) {
    process.stderr.write(`streamtally-producer: invalid settings:\n  ${settings.errors.join('\n  ')}\n`);
    return 2;
  }
  const { config, connection, rows } = settings;
  const interactive = config.PROGRESS === 'on' || (config.PROGRESS === 'auto' && process.stdout.isTTY === true);
  // a terminal gets a progress bar; JSON logs would garble it, so only warnings go through
  const logger = createLogger({
    service: 'producer',
    level: interactive && command === 'replay' ? 'warn' : config.LOG_LEVEL,
    destination: interactive ? process.stderr : undefined,
  });
  const controller = new AbortController();
  void firstStopSignal((signal) => logger.warn({ signal }, 'second signal: exiting without flushing')).then((signal) => {
    logger.info({ signal }, 'stopping: flushing what was read');
    controller.abort();
  });

  if (command === 'topics') return failingInOneLine(() => topics(config, connection));
  if (command === 'tail') return failingInOneLine(() => tail(config, connection, positionals[0], commandLine.value.fromBeginning, controller));

  const registry = createRegistry('producer');
  announceConnection(logger, connection);
  const kafka = createKafka({ connection, clientId: config.KAFKA_CLIENT_ID, logger });
  const app = createProducerApp({ config, logger, registry, kafka, logToStderr: interactive, ...(rows ? { rows } : {}) });
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
      onEvents: (count) => (progress.events += count),
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
    if (summary.stoppedBy !== 'refused') return 0;
    const first = summary.firstRefusal!;
    const line =
      `the replay stopped: is INPUT_FILE ${config.INPUT_FILE} the right file? Line ${first.line}: ${first.code}: ${first.reason} ` +
      `(${summary.deadLettered} row(s) refused; MAX_REFUSED_FRACTION ${config.MAX_REFUSED_FRACTION})`;
    logger.error({ firstRefusal: first }, line);
    process.stderr.write(`streamtally-producer: ${line}\n`);
    return 3;
  } finally {
    clearInterval(timer);
  }
}

async function topics(config: ProducerConfig, connection: KafkaConnection): Promise<number> {
  const logger = quietLogger();
  announceConnection(logger, connection);
  const kafka = createKafka({ connection, clientId: `${config.KAFKA_CLIENT_ID}-topics`, logger });
  const overview = await topicsCommand(kafka, { timeoutMs: config.BROKER_TIMEOUT_MS, names: pipelineTopics(config) });
  process.stdout.write(formatTopicReports(overview) + '\n');
  return 0;
}

async function tail(
  config: ProducerConfig,
  connection: KafkaConnection,
  topic: string | undefined,
  fromBeginning: boolean,
  controller: AbortController,
): Promise<number> {
  if (!topic) {
    process.stderr.write('streamtally-producer: tail needs a topic, e.g. tail window-results\n');
    return 2;
  }
  // `tail … | head` closes the pipe: that ends the tail, quietly
  let readerGone = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    readerGone = true;
    controller.abort();
  });
  if (config.TAIL_ENDS_WITH_STDIN && stdinIsPipe()) {
    process.stdin.on('end', () => {
      readerGone = true;
      controller.abort();
    });
    process.stdin.resume(); // read (and drop) whatever comes, to see the end
  }
  const logger = quietLogger();
  announceConnection(logger, connection);
  const kafka = createKafka({ connection, clientId: `${config.KAFKA_CLIENT_ID}-tail`, logger });
  const outcome = await tailCommand(kafka, {
    timeoutMs: config.BROKER_TIMEOUT_MS,
    topic,
    fromBeginning,
    limit: config.LIMIT,
    signal: controller.signal,
    write: (line) => {
      if (!readerGone) process.stdout.write(line + '\n');
      return !readerGone;
    },
  });
  if (outcome.ok) return 0;
  process.stderr.write(`streamtally-producer: ${outcome.error}\n`);
  return 1;
}

/** A pipe or socket: the end of one means its writer is gone (a terminal or /dev/null never says so). */
function stdinIsPipe(): boolean {
  try {
    const stat = fs.fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

async function generate(options: GenerateOptions): Promise<number> {
  const outcome = await generateCommand(options);
  if (!outcome.ok) {
    process.stderr.write(`streamtally-producer generate: ${outcome.errors.join('; ')}\n`);
    return 2;
  }
  process.stdout.write(`wrote ${outcome.rows} rows (${outcome.bytes} bytes) to ${outcome.out}\n`);
  return 0;
}

/** An operator command's failure (a broker away, a setting wrong) as one line on stderr, exit 1. */
async function failingInOneLine(command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (err) {
    process.stderr.write(`streamtally-producer: ${(err as Error).message}\n`);
    return 1;
  }
}

/** The tools print their own output; only warnings go to stderr as logs. */
function quietLogger(): Logger {
  return createLogger({ service: 'producer', level: 'warn', destination: process.stderr });
}

runMain('streamtally-producer', main);
