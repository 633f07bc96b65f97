import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '@streamtally/test-support';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never rejects, so a test can assert on the exit code and output. */
export function runCommand(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: REPO_ROOT, env: options.env, timeout: options.timeoutMs ?? 300_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr: err && !stderr ? String(err.message) : stderr });
    });
  });
}

export interface ContainerState {
  Name: string;
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
}

/**
 * One `docker compose` project over one of the repository's compose files (compose.yaml or
 * compose/cluster.yaml), under its own project name so it never touches a user's stack, with a
 * fixed environment for every call (a changed variable would recreate containers).
 */
export class ComposeProject {
  /** the compose file, or files merged in order (`-f a -f b`); the project directory is the first one's */
  private readonly files: string[];

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    file: string | string[] = 'compose.yaml',
  ) {
    this.files = typeof file === 'string' ? [file] : file;
  }

  compose(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CommandResult> {
    return runCommand('docker', this.composeArgs(args), { env: { ...process.env, ...this.env, ...options.env }, timeoutMs: options.timeoutMs });
  }

  /** `docker compose …` as a child process whose pipes the caller holds (stdin open, like a terminal's). */
  spawnCompose(args: string[]): ChildProcessWithoutNullStreams {
    return spawn('docker', this.composeArgs(args), { cwd: REPO_ROOT, env: { ...process.env, ...this.env }, stdio: 'pipe' });
  }

  private composeArgs(args: string[]): string[] {
    return [
      'compose',
      '--project-name',
      this.name,
      '--project-directory',
      join(REPO_ROOT, dirname(this.files[0]!)),
      ...this.files.flatMap((f) => ['-f', f]),
      ...args,
    ];
  }

  /** Like compose, but fails with the command's output when it exits non-zero. */
  async mustCompose(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
    const result = await this.compose(args, options);
    if (result.code !== 0)
      throw new Error(`docker compose ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`);
    return result.stdout;
  }

  /**
   * `up --detach` with these arguments (`--wait`, services, …); when it fails, the error says
   * what every container was doing and, for the unready ones, their last health probes (how
   * long each took, what it printed), whether the kernel killed them for memory, and their last
   * log lines: enough to tell a slow probe from a dead process after the fact.
   */
  async up(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<void> {
    const result = await this.compose(['up', '--detach', ...args], options);
    if (result.code === 0) return;
    throw new Error(`docker compose up ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(-1500)}\n${await this.describeUnready()}`);
  }

  /** Every container's state, then the health probes, memory kills and last logs of those not running healthy. */
  async describeUnready(): Promise<string> {
    const states = await this.containers(true);
    const unready = states.filter((c) => c.State !== 'running' || (c.Health !== '' && c.Health !== 'healthy'));
    const sections = [states.map((c) => `${c.Service}: ${c.State} ${c.Health}`).join('\n')];
    for (const container of unready) {
      const { State, RestartCount } = await this.inspect(container.Name);
      const probes = (State.Health?.Log ?? []).map(
        (probe) =>
          `  probe at ${probe.Start}: ${(Date.parse(probe.End) - Date.parse(probe.Start)) / 1000} s, exit ${probe.ExitCode} ${probe.Output.trim().slice(-200)}`,
      );
      const logs = (await this.compose(['logs', '--no-color', '--tail', '30', container.Service])).stdout;
      sections.push(
        [
          `${container.Service}: exit code ${State.ExitCode}, OOM-killed ${State.OOMKilled}, restarts ${RestartCount}, failed probes in a row ${State.Health?.FailingStreak ?? '-'}`,
          ...probes,
          logs.slice(-4000),
        ].join('\n'),
      );
    }
    return sections.join('\n\n');
  }

  /** `service restarts` for each of these services' containers (the first of each): 0 when none crashed. */
  async restartCounts(services: string[]): Promise<string[]> {
    const containers = await this.containers(true);
    return Promise.all(services.map(async (service) => `${service} ${(await this.inspect(containers.find((c) => c.Service === service)!.Name)).RestartCount}`));
  }

  async containers(all = false): Promise<ContainerState[]> {
    const out = await this.mustCompose(['ps', '--format', 'json', ...(all ? ['--all'] : [])]);
    const trimmed = out.trim();
    if (!trimmed) return [];
    // compose 2.21+ prints one JSON object per line, older ones one array
    return trimmed.startsWith('[') ? (JSON.parse(trimmed) as ContainerState[]) : trimmed.split('\n').map((line) => JSON.parse(line) as ContainerState);
  }

  async inspect(container: string): Promise<DockerInspect> {
    const result = await runCommand('docker', ['inspect', container]);
    if (result.code !== 0) throw new Error(`docker inspect ${container}: ${result.stderr}`);
    return (JSON.parse(result.stdout) as DockerInspect[])[0]!;
  }

  /** Every resource Docker still holds for this project: containers, networks, volumes. */
  async leftovers(): Promise<string[]> {
    const label = `label=com.docker.compose.project=${this.name}`;
    const lists = await Promise.all([
      runCommand('docker', ['ps', '--all', '--quiet', '--filter', label]),
      runCommand('docker', ['network', 'ls', '--quiet', '--filter', label]),
      runCommand('docker', ['volume', 'ls', '--quiet', '--filter', label]),
    ]);
    return lists.flatMap((r, i) =>
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((id) => `${['container', 'network', 'volume'][i]} ${id}`),
    );
  }
}

export interface DockerInspect {
  Name: string;
  RestartCount: number;
  State: {
    Status: string;
    ExitCode: number;
    OOMKilled: boolean;
    Health?: { Status: string; FailingStreak: number; Log: { Start: string; End: string; ExitCode: number; Output: string }[] };
  };
  Config: { User: string; Labels: Record<string, string> };
  HostConfig: {
    ReadonlyRootfs: boolean;
    CapDrop: string[] | null;
    CapAdd: string[] | null;
    SecurityOpt: string[] | null;
    Memory: number;
    RestartPolicy: { Name: string; MaximumRetryCount: number };
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null;
  };
}
