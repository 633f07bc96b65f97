import { CheckpointBatcher } from '../../src/state/checkpoint-batcher';
import type { CheckpointOutcome, CheckpointRequest } from '../../src/state/checkpoint-request';
import type { WindowDelta } from '../../src/windowing/batch-aggregator';

function request(partition: number, over: Partial<CheckpointRequest> = {}): CheckpointRequest {
  const delta: WindowDelta = { job: 'j', windowStart: 0, windowEnd: 1000, counts: new Map([[`k${partition}`, 1]]) };
  return {
    topic: 't',
    partition,
    epoch: '1',
    fromOffset: '0',
    toOffset: '1',
    maxTs: 0,
    now: 0,
    closedSeen: new Map([['j', '']]),
    // an iterator, read once, as the processor's Map values are
    deltas: [delta].values(),
    ...over,
  };
}

/** A fake Redis: records each call's partitions and deltas, answers as `outcome` says, and waits to be released. */
function recorder(outcome: (requests: readonly CheckpointRequest[]) => CheckpointOutcome | Error = () => 'OK') {
  const calls: { partitions: number[]; deltas: number }[] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const apply = async (requests: readonly CheckpointRequest[]) => {
    calls.push({ partitions: requests.map((r) => r.partition), deltas: requests.reduce((n, r) => n + [...r.deltas].length, 0) });
    await gate;
    const answer = outcome(requests);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const hold = () => {
    gate = new Promise((resolve) => (release = resolve));
  };
  return { calls, apply, hold, release: () => release() };
}

/** One turn of the event loop: a batch sent before it has its call running after it. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Partition 0's batch sent and held in its call while `rest` are sent, then let go: each one's outcome (an error's message). */
async function whileOneRuns(redis: ReturnType<typeof recorder>, batcher: CheckpointBatcher, rest: CheckpointRequest[]): Promise<string[]> {
  redis.hold();
  const first = batcher.checkpoint(request(0));
  await nextTurn();
  const others = rest.map((r) => batcher.checkpoint(r));
  redis.release();
  const settled = await Promise.allSettled([first, ...others]);
  return settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message));
}

describe('the checkpoint batcher', () => {
  it('sends the batches ready in the same turn together, and those that come while a call runs in the next', async () => {
    const redis = recorder();
    const batcher = new CheckpointBatcher(redis.apply);
    expect(await Promise.all([0, 1, 2].map((p) => batcher.checkpoint(request(p))))).toEqual(['OK', 'OK', 'OK']);
    expect(redis.calls.map((c) => c.partitions)).toEqual([[0, 1, 2]]);
    redis.calls.length = 0;
    expect(
      await whileOneRuns(
        redis,
        batcher,
        [1, 2, 3].map((p) => request(p)),
      ),
    ).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect(redis.calls.map((c) => c.partitions)).toEqual([[0], [1, 2, 3]]);
  });

  it('never puts two batches of one partition, of two topics or of other jobs, or a live and a catch-up batch, in one call', async () => {
    const redis = recorder();
    const batcher = new CheckpointBatcher(redis.apply);
    const rest = [
      request(1),
      request(1, { fromOffset: '1', toOffset: '2' }),
      request(2, { topic: 'u' }),
      request(3, { closedSeen: new Map([['other', '']]) }),
      request(4, { epoch: '' }),
      request(5),
    ];
    expect(await whileOneRuns(redis, batcher, rest)).toEqual(Array(7).fill('OK'));
    expect(redis.calls.map((c) => c.partitions)).toEqual([[0], [1, 5], [1], [2], [3], [4]]);
  });

  it("puts the catch-up reader's batches of one topic and the same jobs in one call, never with the live reader's", async () => {
    const redis = recorder();
    const batcher = new CheckpointBatcher(redis.apply);
    const catchUp = (partition: number, over: Partial<CheckpointRequest> = {}) => request(partition, { epoch: '', ...over });
    const rest = [catchUp(1), request(2), catchUp(3), catchUp(4, { closedSeen: new Map([['other', '']]) }), catchUp(5, { topic: 'u' }), catchUp(6)];
    expect(await whileOneRuns(redis, batcher, rest)).toEqual(Array(7).fill('OK'));
    expect(redis.calls.map((c) => c.partitions)).toEqual([[0], [1, 3, 6], [2], [4], [5]]);
  });

  it('tries a call refused as a whole batch by batch, each caller getting its own outcome, with its deltas read again', async () => {
    const redis = recorder((requests) => (requests.some((r) => r.partition === 2) ? 'FENCED' : 'OK'));
    const batcher = new CheckpointBatcher(redis.apply);
    expect(
      await whileOneRuns(
        redis,
        batcher,
        [1, 2, 3].map((p) => request(p)),
      ),
    ).toEqual(['OK', 'OK', 'FENCED', 'OK']);
    expect(redis.calls).toEqual([
      { partitions: [0], deltas: 1 },
      { partitions: [1, 2, 3], deltas: 3 },
      { partitions: [1], deltas: 1 },
      { partitions: [2], deltas: 1 },
      { partitions: [3], deltas: 1 },
    ]);
  });

  it('gives an error to every caller of the call, and goes on with the next', async () => {
    let down = true;
    const redis = recorder(() => (down ? new Error('Redis away') : 'OK'));
    const batcher = new CheckpointBatcher(redis.apply);
    expect(
      await whileOneRuns(
        redis,
        batcher,
        [1, 2].map((p) => request(p)),
      ),
    ).toEqual(Array(3).fill('Redis away'));
    down = false;
    expect(await batcher.checkpoint(request(3))).toBe('OK');
  });
});
