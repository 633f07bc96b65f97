import path from 'node:path';
import type { KafkaClientEvent } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { waitFor } from '@streamtally/test-support';
import type { SeriesChange } from '../../src/emitter/emitter-series';
import { EmitterThread } from '../../src/emitter/emitter-thread';

const STUB = path.join(__dirname, '../support/emitter-thread-stub.cjs');
// the real thread as built (./scripts/test builds before Jest runs)
const SCRIPT = path.join(__dirname, '../../dist/emitter/emitter-main.js');
const jobsText = JSON.stringify([{ name: 'per-second', source: 't', key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 } }]);
const data = (settings: Record<string, string>) => ({ settings, jobsText, running: [], partitions: { results: 2 } });

/** A thread on `script`, with what it reports collected. */
function emitterThread(script: string, settings: Record<string, string>) {
  const changes: SeriesChange[] = [];
  const clientEvents: KafkaClientEvent[] = [];
  const thread = new EmitterThread(script, data(settings), {
    series: (c) => changes.push(...c),
    clientEvent: (event) => clientEvents.push(event),
    logger: silentLogger(),
  });
  return { thread, changes, clientEvents };
}

describe('the result emitter on a thread of its own', () => {
  let running: EmitterThread | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('fails to start with the reason the thread gives: its own, or the settings it cannot parse', async () => {
    await expect(emitterThread(STUB, { behaviour: 'fail' }).thread.start()).rejects.toThrow('emitter thread: no broker at kafka:9092');
    await expect(emitterThread(SCRIPT, {}).thread.start()).rejects.toThrow(
      'emitter thread: the settings or jobs file the aggregator started with no longer parse',
    );
  });

  it("passes on the assignment, applies the metrics each tick changed, and reports its ticks, failing jobs and Kafka clients' events", async () => {
    const { thread, changes, clientEvents } = emitterThread(STUB, { behaviour: 'echo' });
    running = thread;
    await thread.start();
    expect(thread.health(5000)).toEqual({ failingJobs: [], tickRunningMs: 0, lastError: null });
    thread.assigned({ actions: [0, 1] });
    await waitFor(() => changes.length === 1, { what: 'the tick', timeoutMs: 5000 });
    expect(changes).toEqual([['openWindows', 'set', { aggregation: '{"actions":[0,1]}' }, 1]]);
    expect(clientEvents).toEqual([{ kind: 'request', api: 'Produce', seconds: 0.01 }]);
    // failing since 1 s: a job failing for the stall timeout is named, not before
    expect(thread.health(500)).toEqual({ failingJobs: ['failing'], tickRunningMs: 0, lastError: 'Redis said no' });
    expect(thread.health(60_000).failingJobs).toEqual([]);
    // a tick that began and has not ended says how long it runs
    thread.jobsChanged([{ name: 'per-second', stateId: 'per-second', generation: 1 }]);
    await waitFor(() => thread.health(5000).tickRunningMs >= 500, { what: 'the running tick', timeoutMs: 5000 });
  });

  it('starts another thread when one stops on its own, with the jobs and assignment as they are then; unhealthy once down for the stall timeout', async () => {
    const { thread, changes } = emitterThread(STUB, { behaviour: 'die-until-jobs' });
    running = thread;
    await thread.start();
    await waitFor(() => thread.health(0).threadDown !== undefined, { what: 'the thread to die', timeoutMs: 5000 });
    expect(thread.health(0)).toMatchObject({ threadDown: 'exited (code 5)', lastError: 'emitter thread: exited (code 5)' });
    // down for less than the stall timeout: not yet a reason to be unhealthy
    expect(thread.health(60_000).threadDown).toBeUndefined();
    thread.assigned({ actions: [0] });
    thread.jobsChanged([{ name: 'per-second', stateId: 'per-second~g2', generation: 2 }]);
    await waitFor(() => changes.length === 1, { what: 'the next thread', timeoutMs: 10_000 });
    expect(changes).toEqual([['openWindows', 'set', { aggregation: 'per-second~g2', owned: '{"actions":[0]}' }, 1]]);
    expect(thread.health(0)).toEqual({ failingJobs: [], tickRunningMs: 0, lastError: null });
  });
});
