import { execFile } from 'node:child_process';
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
  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly file = 'compose.yaml',
  ) {}

  compose(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CommandResult> {
    return runCommand(
      'docker',
      ['compose', '--project-name', this.name, '--project-directory', join(REPO_ROOT, dirname(this.file)), '-f', this.file, ...args],
      {
        env: { ...process.env, ...this.env, ...options.env },
        timeoutMs: options.timeoutMs,
      },
    );
  }

  /** Like compose, but fails with the command's output when it exits non-zero. */
  async mustCompose(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
    const result = await this.compose(args, options);
    if (result.code !== 0)
      throw new Error(`docker compose ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`);
    return result.stdout;
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
  State: { Status: string; ExitCode: number; Health?: { Status: string } };
  Config: { User: string; Labels: Record<string, string> };
  HostConfig: {
    ReadonlyRootfs: boolean;
    CapDrop: string[] | null;
    CapAdd: string[] | null;
    SecurityOpt: string[] | null;
    Memory: number;
    RestartPolicy: { Name: string };
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null;
  };
}
