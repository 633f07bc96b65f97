import { silentLogger } from '@streamtally/observability';
import { BatchSender, OutgoingBatch, RefusedBatchError, UndeliveredError } from '../../src/replay/batch-sender';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('BatchSender', () => {
  it('sends full batches and the rest on drain, in order, all topics in one request', async () => {
    const sent: OutgoingBatch[] = [];
    const sender = new BatchSender({ send: async (b) => void sent.push(b), logger: silentLogger(), maxMessages: 2, maxBytes: 1e9 });
    for (const v of ['a', 'b', 'c']) await sender.add('events', { key: v, value: v });
    await sender.add('dlq', { key: null, value: 'bad' });
    await sender.drain();
    expect(sent.map((b) => [...b.byTopic].map(([t, m]) => `${t}:${m.map((x) => x.value).join('')}`))).toEqual([['events:ab'], ['events:c', 'dlq:bad']]);
  });

  it('lets the caller go on without a promise until a batch is full', async () => {
    const sent: OutgoingBatch[] = [];
    const sender = new BatchSender({ send: async (b) => void sent.push(b), logger: silentLogger(), maxMessages: 3, maxBytes: 1e9 });
    expect(sender.add('t', { key: 'a', value: 'a' })).toBeUndefined();
    expect(sender.add('t', { key: 'b', value: 'b' })).toBeUndefined();
    const third = sender.add('t', { key: 'c', value: 'c' });
    expect(third).toBeInstanceOf(Promise);
    await third;
    await sender.drain();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.count).toBe(3);
  });

  it('holds at most one batch in flight and one filling: add waits while Kafka is slow', async () => {
    const gate = deferred();
    let sends = 0;
    const sender = new BatchSender({
      send: async () => {
        sends += 1;
        await gate.promise;
      },
      logger: silentLogger(),
      maxMessages: 1,
      maxBytes: 1e9,
    });
    await sender.add('t', { key: null, value: '1' }); // goes in flight
    let secondAdded = false;
    const waiting = sender.add('t', { key: null, value: '2' });
    expect(waiting).toBeInstanceOf(Promise); // the batch is full: the caller has to wait
    const second = waiting!.then(() => (secondAdded = true));
    await new Promise((r) => setImmediate(r));
    expect(sends).toBe(1);
    expect(secondAdded).toBe(false);
    expect(sender.pending).toBe(2);
    gate.resolve();
    await second;
    await sender.drain();
    expect(sends).toBe(2);
    expect(sender.pending).toBe(0);
  });

  it('retries a failed batch, unchanged, until it is acknowledged', async () => {
    const attempts: string[] = [];
    const sender = new BatchSender({
      send: async (b) => {
        attempts.push(
          [...b.byTopic.values()]
            .flat()
            .map((m) => m.value)
            .join(''),
        );
        if (attempts.length < 3) throw new Error('broker away');
      },
      logger: silentLogger(),
      maxMessages: 10,
      maxBytes: 1e9,
      initialBackoffMs: 1,
    });
    await sender.add('t', { key: null, value: 'x' });
    await sender.add('t', { key: null, value: 'y' });
    await sender.drain();
    expect(attempts).toEqual(['xy', 'xy', 'xy']);
  });

  it('after shutdown is requested, gives up past the grace period and says how much was not delivered', async () => {
    const controller = new AbortController();
    controller.abort();
    const sender = new BatchSender({
      send: async () => {
        throw new Error('broker away');
      },
      logger: silentLogger(),
      maxMessages: 10,
      maxBytes: 1e9,
      initialBackoffMs: 1,
      signal: controller.signal,
      giveUpAfterAbortMs: 5,
    });
    await sender.add('t', { key: null, value: 'x' });
    const failure = sender.drain();
    await expect(failure).rejects.toBeInstanceOf(UndeliveredError);
    await expect(failure).rejects.toThrow('1 message(s) could not be delivered before shutdown');
  });

  it('never lets a batch pass maxBytes: a message that would goes into the next batch', async () => {
    const sent: OutgoingBatch[] = [];
    const sender = new BatchSender({ send: async (b) => void sent.push(b), logger: silentLogger(), maxMessages: 100, maxBytes: 10 });
    for (const v of ['aaaa', 'bbbb', 'cccc', 'dddddddd', 'e']) await sender.add('t', { key: null, value: v });
    await sender.drain();
    expect(sent.map((b) => b.bytes)).toEqual([8, 4, 9]);
    expect(sent.every((b) => b.bytes <= 10)).toBe(true);
  });

  it('does not retry a refusal Kafka marks as final: the caller gets RefusedBatchError at once', async () => {
    let attempts = 0;
    const refusal = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), {
      name: 'KafkaJSProtocolError',
      retriable: false,
    });
    const sender = new BatchSender({
      send: async () => {
        attempts += 1;
        throw refusal;
      },
      logger: silentLogger(),
      maxMessages: 1,
      maxBytes: 1e9,
      initialBackoffMs: 1,
      isRetriable: (err) => (err as { retriable?: boolean }).retriable !== false,
    });
    await expect(sender.add('t', { key: 'k', value: 'v' })).resolves.toBeUndefined(); // handed to the network
    const drained = sender.drain();
    await expect(drained).rejects.toBeInstanceOf(RefusedBatchError);
    await expect(drained).rejects.toThrow('Kafka refused a batch of 1 message(s) and says retrying cannot help: The request included a message larger');
    expect(attempts).toBe(1);
  });
});
