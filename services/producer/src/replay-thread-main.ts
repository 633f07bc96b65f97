import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '@streamtally/observability';
import { runReplayThread, type ReplayThreadData } from './replay/replay-thread';

/**
 * The replay thread's entry point (app.ts starts it as a Worker): like main.ts for the
 * process, the one file of this thread with side effects. Logs go where the main thread's
 * do: stdout as JSON lines, or stderr when a terminal shows a progress bar.
 */
const { data, log } = workerData as { data: ReplayThreadData; log: { level: string; toStderr: boolean } };
const logger = createLogger({ service: 'producer', level: log.level, destination: log.toStderr ? process.stderr : undefined });
void runReplayThread(parentPort!, data, logger.child({ thread: 'replay' }));
