import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

/** What the clients saw: updates counted since `count`, and per client when each marker count first showed. */
export interface ClientsReport {
  updates: number;
  seen: number[][];
}

export type FromClients = { type: 'ready' } | { type: 'failed'; error: string } | ({ type: 'report' } & ClientsReport);
export type ToClients = 'count' | 'report' | 'close';

/** The benchmark's screens: a process of WebSocket clients (screen-clients-main.ts), driven by messages. */
export class ScreenClients {
  private constructor(private readonly child: ChildProcess) {}

  /** Connects `count` clients subscribed to `jobs`; resolves once every one is subscribed. */
  static async start(url: string, count: number, jobs: readonly string[], markerJob: string, markerKey: string): Promise<ScreenClients> {
    const child = fork(path.join(__dirname, 'screen-clients-main.js'), [url, String(count), jobs.join(','), markerJob, markerKey]);
    const first = await new Promise<FromClients>((resolve) => child.once('message', (m) => resolve(m as FromClients)));
    if (first.type !== 'ready') throw new Error(`clients: ${first.type === 'failed' ? first.error : first.type}`);
    return new ScreenClients(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts counting updates from now. */
  count(): void {
    this.command('count');
  }

  report(): Promise<ClientsReport> {
    return new Promise((resolve) => {
      this.child.once('message', (m) => resolve(m as ClientsReport));
      this.command('report');
    });
  }

  close(): void {
    this.command('close');
  }

  private command(command: ToClients): void {
    this.child.send(command);
  }
}
