/**
 * The process plumbing every service's main.ts shares. Nothing happens on import: main.ts
 * calls these, and stays the only file whose loading has side effects.
 */

/** A second stop signal's exit code: what a shell gives a process ended by SIGINT. */
export const SECOND_SIGNAL_EXIT_CODE = 130;

/**
 * Resolves with the first SIGINT or SIGTERM the process receives: the service then stops in
 * order (stop intake, flush, close). A second one ends the process at once, after
 * `onSecond` (a last log line): an operator who does not want to wait for the flush.
 */
export function firstStopSignal(onSecond: (signal: NodeJS.Signals) => void = () => undefined): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received += 1;
      if (received === 1) return resolve(signal);
      onSecond(signal);
      process.exit(SECOND_SIGNAL_EXIT_CODE);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** How long the process may linger once main is done, for logs to flush and clients to close. */
export const EXIT_GRACE_MS = 2000;

/**
 * Runs a service's main function: what it resolves to becomes the exit code, and an error
 * that escapes it is printed with the service's name and exits 1. The process ends on its
 * own once everything is closed, so buffered logs are flushed first, and at the latest
 * EXIT_GRACE_MS later: a client still retrying a broker that never answered (kafkajs keeps
 * its timers) must not hold the process past the timeout the operator set.
 */
export function runMain(service: string, main: () => Promise<number>, exitGraceMs = EXIT_GRACE_MS): void {
  const finish = (code: number) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), exitGraceMs).unref();
  };
  main().then(finish, (err: unknown) => {
    process.stderr.write(`${service}: ${(err as Error)?.stack ?? String(err)}\n`);
    finish(1);
  });
}
