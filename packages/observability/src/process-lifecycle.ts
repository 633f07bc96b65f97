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

/**
 * Runs a service's main function: what it resolves to becomes the exit code, and an error
 * that escapes it is printed with the service's name and exits 1. The process ends on its
 * own once everything is closed, so buffered logs are flushed first.
 */
export function runMain(service: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${service}: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
