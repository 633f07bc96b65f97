import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '@streamtally/observability';

export const ROOT = path.resolve(__dirname, '../../..');

/** CPU seconds (user + system) and peak RSS (MB) of a process so far, from /proc. */
export function usage(pid: number): { cpuS: number; peakMb: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { cpuS: ticks / 100, peakMb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024 };
}

/** The broker's and Redis's processes on this machine, found by their command lines (for their CPU). */
export function infraPids(brokers: string, redisUrl: string): { broker?: number; redis?: number } {
  const redisPort = new URL(redisUrl).port || '6379';
  const brokerPorts = brokers.split(',').map((b) => b.split(':')[1]);
  const found: { broker?: number; redis?: number } = {};
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (cmd.includes('redis-server') && cmd.includes(`:${redisPort}`)) found.redis = Number(pid);
    if (cmd.includes('kafka.Kafka') && !found.broker) {
      // kafka-local passes the node's properties file; its listeners name the port
      const props = /(\S+\.properties)/.exec(cmd.slice(cmd.indexOf('kafka.Kafka')))?.[1];
      const text = props && fs.existsSync(props) ? fs.readFileSync(props, 'utf8') : '';
      if (brokerPorts.some((port) => text.includes(`:${port}`))) found.broker = Number(pid);
    }
  }
  return found;
}

export interface Started {
  child: ChildProcess;
  stopping: boolean;
}

/** Starts a built script of the repository as a process logging to `logs/<name>.log`; `profile` adds a V8 CPU profile. */
export function startLogged(
  name: string,
  script: string,
  env: Record<string, string>,
  options: { logs: string; flags?: string[]; profile?: boolean },
): Started {
  const log = fs.openSync(path.join(options.logs, `${name}.log`), 'w');
  const profile = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(options.logs, 'profiles')}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...(options.flags ?? []), ...profile, path.join(ROOT, script)], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', log, log],
  });
  const started: Started = { child, stopping: false };
  child.on('exit', (code, signal) => {
    if (!started.stopping) process.stderr.write(`bench: ${name} exited (${code ?? signal}); see ${path.join(options.logs, `${name}.log`)}\n`);
  });
  return started;
}

/** SIGTERM, then SIGKILL after 10 s. */
export async function stop(started: Started | undefined): Promise<void> {
  if (!started) return;
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return;
  started.stopping = true;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
}
