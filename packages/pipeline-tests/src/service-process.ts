import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

export type ServiceName = 'producer' | 'aggregator' | 'gateway';

/** The built entry point of a service; a clear error when `pnpm build` has not run. */
export function entryPoint(service: ServiceName): string {
  const file = path.join(ROOT, 'services', service, 'dist', 'main.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` (./scripts/test does) first`);
  return file;
}

export interface ServiceProcess {
  child: ChildProcess;
  /** everything it wrote, for the failure message */
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a service as its own process with the given environment, like compose would. */
export function startService(service: ServiceName, env: Record<string, string>, args: string[] = []): ServiceProcess {
  const child = spawn(process.execPath, [entryPoint(service), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a service command to completion (e.g. the producer's `generate`), with `input` on its stdin. */
export function runService(service: ServiceName, env: Record<string, string>, args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [entryPoint(service), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 170_000,
    ...(input !== undefined ? { input } : {}),
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
