/**
 * The process plumbing every service's main.ts shares. Nothing happens on import: main.ts
 * calls these, and stays the only file whose loading has side effects.
 */

/** Resolves with the first SIGINT or SIGTERM the process receives. */
export function firstStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
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
