import { decodeUserAction, decodeWindowResult, UserActionEvent } from '@streamtally/contracts';
import { waitFor } from '@streamtally/test-support';
import { ComposeProject, ContainerState } from './compose-project';
import { LatestResults, recount, RecountJob } from './recount';

/** Every job the deployment suites recount, with the input's own fields. */
export const DEPLOYMENT_RECOUNT: RecountJob[] = [
  { name: 'gender-per-second', field: 'gender', sizeMs: 1000 },
  { name: 'actions-per-second', field: 'action', sizeMs: 1000 },
  { name: 'purchases-by-gender-10s', field: 'gender', sizeMs: 10_000, filter: (e) => e.action === 2 },
  { name: 'gender-running-total', field: 'gender' },
];

const TOOL_HEAP = '-Xms32m -Xmx192m';

export interface GatewayWindow {
  windowStart: number;
  counts: Record<string, number>;
  /** a job with aggregates: each key's values by name */
  values?: Record<string, Record<string, number | null>>;
  final: boolean;
  version: number;
  emittedAt: number;
}

/**
 * A running compose stack seen as an operator sees it: the gateway on its published port, and
 * the topics read with Kafka's own tools inside a broker container (`kafkaService`).
 */
export class ComposeStack {
  constructor(
    readonly project: ComposeProject,
    private readonly gatewayPort: number,
    private readonly kafkaService = 'kafka',
  ) {}

  gateway(path: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.gatewayPort}${path}`);
  }

  /** A job's windows at the gateway, none while it does not answer. */
  async windows(job: string): Promise<GatewayWindow[]> {
    const response = await this.gateway(`/api/windows/${job}`).catch(() => undefined);
    if (!response?.ok) return [];
    return ((await response.json()) as { windows: GatewayWindow[] }).windows;
  }

  async service(name: string): Promise<ContainerState | undefined> {
    return (await this.project.containers(true)).find((c) => c.Service === name);
  }

  /** Every record of a topic, from the beginning (`key\tvalue` lines with keys). */
  async consume(topic: string, withKeys: boolean): Promise<string[]> {
    const keys = withKeys ? ['--property', 'print.key=true', '--property', 'key.separator=\t'] : [];
    const out = await this.kafkaTool('kafka-console-consumer.sh', ['--topic', topic, '--from-beginning', '--timeout-ms', '5000', ...keys]);
    return out.split('\n').filter(Boolean);
  }

  /** A Kafka tool run in the broker's container, with a small heap: the broker's own KAFKA_HEAP_OPTS would reserve 256 MB more in its memory limit. */
  kafkaTool(tool: string, args: string[]): Promise<string> {
    return this.project.mustCompose([
      'exec',
      '-T',
      '--env',
      `KAFKA_HEAP_OPTS=${TOOL_HEAP}`,
      this.kafkaService,
      `/opt/kafka/bin/${tool}`,
      '--bootstrap-server',
      'localhost:9092',
      ...args,
    ]);
  }

  /** Every window of the results topic (highest version per key). */
  async resultsTopic(): Promise<LatestResults> {
    const latest = new LatestResults();
    for (const line of await this.consume('window-results', true)) {
      const tab = line.indexOf('\t');
      const decoded = decodeWindowResult(line.slice(tab + 1));
      if (!decoded.ok) throw new Error(`results topic: ${decoded.error}: ${line}`);
      latest.offer(line.slice(0, tab), decoded.value);
    }
    return latest;
  }

  /** Every event of the input topic; throws unless the read saw as many as the end offsets say. */
  async inputEvents(): Promise<UserActionEvent[]> {
    const offsets = await this.kafkaTool('kafka-get-offsets.sh', ['--topic', 'user-actions']);
    const total = offsets
      .trim()
      .split('\n')
      .reduce((sum, line) => sum + Number(line.split(':')[2]), 0);
    const events = (await this.consume('user-actions', false)).map((line) => {
      const decoded = decodeUserAction(line);
      if (!decoded.ok) throw new Error(`input topic: ${decoded.error}: ${line}`);
      return decoded.value;
    });
    if (events.length !== total) throw new Error(`read ${events.length} input events, the topic's end offsets add up to ${total}`);
    return events;
  }

  /**
   * Recreates the producer with a finite replay at full speed (so every window closes), waits
   * for it to exit and for the last windows at the gateway and on the results topic, and
   * returns the topic's windows of these jobs beside an independent recount of the input.
   */
  async finishReplayAndRecount(
    jobs = DEPLOYMENT_RECOUNT,
  ): Promise<{ got: Map<string, Record<string, number>>; expected: Map<string, Record<string, number>>; producer: ContainerState }> {
    await this.project.up(['producer'], { env: { PRODUCER_LOOP: 'false', PRODUCER_PACE: 'max' } });
    const producer = await waitFor(
      async () => {
        const state = await this.service('producer');
        return state?.State === 'exited' && state;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the finite replay to finish' },
    );
    const events = await this.inputEvents();
    const expected = recount(events, jobs);
    // the gateway says cheaply when the last second and the running total are final and
    // complete; then the results topic is read (a JVM tool in the container: slow) to compare
    const lastSecond = Math.max(...events.map((e) => e.ts - (e.ts % 1000)));
    await waitFor(
      async () => {
        const [seconds, totals] = await Promise.all([this.windows('gender-per-second'), this.windows('gender-running-total')]);
        const total = totals.at(-1) ? Object.values(totals.at(-1)!.counts).reduce((a, b) => a + b, 0) : 0;
        return seconds.some((w) => w.windowStart === lastSecond && w.final) && total === events.length;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `the window at ${lastSecond} final and a running total of ${events.length} at the gateway` },
    );
    const latest = await waitFor(
      async () => {
        const results = await this.resultsTopic();
        return results.complete(expected) && results;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'every window final on the results topic' },
    ).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${(await this.resultsTopic()).describeGaps(expected)}`);
    });
    // every window of these jobs on the topic, not only the expected ones: an extra window is a defect too
    const got = new Map([...latest.counts()].filter(([key]) => jobs.some((job) => key.startsWith(`${job.name}@`))));
    return { got, expected, producer };
  }
}
