import path from 'node:path';
import type { KafkaClientEvent } from '@streamtally/kafka-client';
import { waitFor } from '@streamtally/test-support';
import { parseJobs } from '../../src/jobs/jobs-file';
import { runningAs } from '../../src/jobs/running-as';
import { CatchUpThread, type CatchUpThreadData } from '../../src/lifecycle/catch-up-thread';

const STUB = path.join(__dirname, '../support/catch-up-thread-stub.cjs');
// the real thread as built (./scripts/test builds before Jest runs)
const SCRIPT = path.join(__dirname, '../../dist/lifecycle/catch-up-main.js');
const jobsText = JSON.stringify([{ name: 'per-second', source: 't', key: { field: 'gender' }, window: { type: 'tumbling', sizeMs: 1000 } }]);
const data = (settings: Record<string, string>): CatchUpThreadData => ({ settings, jobsText, running: [], topics: ['t'], partitions: {} });

describe('the catch-up reader on a thread of its own', () => {
  it('fails to start with the reason the thread gives: its own, or the settings it cannot parse', async () => {
    await expect(CatchUpThread.start(STUB, data({ behaviour: 'fail' }), { counted: () => undefined })).rejects.toThrow(
      'catch-up thread: no broker at kafka:9092',
    );
    await expect(CatchUpThread.start(SCRIPT, data({}), { counted: () => undefined })).rejects.toThrow(
      'catch-up thread: the settings or jobs file the aggregator started with no longer parse',
    );
  });

  it("passes on what it counted and its Kafka clients' events, and the jobs as they run, and closes when told (no failure then)", async () => {
    const counted: [string, number][] = [];
    const clientEvents: KafkaClientEvent[] = [];
    const thread = await CatchUpThread.start(STUB, data({ behaviour: 'echo' }), {
      counted: (job, events) => counted.push([job, events]),
      clientEvent: (event) => clientEvents.push(event),
    });
    thread.update([
      { name: 'a', stateId: 'a~g2', generation: 2 },
      { name: 'b', stateId: 'b', generation: 1 },
    ]);
    await waitFor(() => counted.length === 1, { what: 'the count', timeoutMs: 5000 });
    expect(counted).toEqual([['a~g2', 2]]);
    expect(clientEvents).toEqual([{ kind: 'request', api: 'Fetch', seconds: 0.01 }]);
    await thread.close();
    expect(thread.failure).toBeUndefined();
  });

  it('says why once it has died on its own, so the backfill starts another', async () => {
    const thread = await CatchUpThread.start(STUB, data({ behaviour: 'die' }), { counted: () => undefined });
    expect(thread.failure).toBeUndefined();
    await waitFor(() => thread.failure !== undefined, { what: 'the thread to die', timeoutMs: 5000 });
    expect(thread.failure).toBe('exited (code 5)');
    await thread.close();
  });

  it('runs the jobs file as the aggregator runs it: each job in its generation, those it does not run left out', () => {
    const parsed = parseJobs([
      { name: 'a', source: 't', key: { field: 'gender' }, window: { type: 'running' } },
      { name: 'b', source: 't', key: { field: 'gender' }, window: { type: 'running' } },
    ]);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const jobs = runningAs(parsed.jobs, [{ name: 'b', stateId: 'b~g3', generation: 3 }]);
    expect(jobs.map((j) => [j.name, j.stateId, j.generation])).toEqual([['b', 'b~g3', 3]]);
  });
});
