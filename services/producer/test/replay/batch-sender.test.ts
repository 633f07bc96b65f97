import { silentLogger } from '@streamtally/observability';
import { BatchSender, deliverUntilAcknowledged, RefusedBatchError, UndeliveredError } from '../../src/replay/batch-sender';
import type { OutgoingBatch } from '../../src/replay/outgoing-batch';
import { unpackBatch } from '../../src/replay/packed-batch';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A sender whose batches are kept, unpacked. */
function collecting(maxMessages: number, maxBytes = 1e9) {
  const sent: OutgoingBatch[] = [];
  const sender = new BatchSender({ send: async (packed) => void sent.push(unpackBatch(packed)), maxMessages, maxBytes });
  return { sender, sent };
}

const text = (batch: OutgoingBatch) => [...batch.byTopic].map(([t, m]) => `${t}:${m.map((x) => x.value.toString()).join('')}`);

const oneMessage = (): OutgoingBatch => ({ byTopic: new Map([['t', [{ key: null, value: 'x' }]]]), count: 1, bytes: 1 });

describe('BatchSender', () => {
  it('sends full batches and the rest on drain, in order, all topics in one request', async () => {
    const { sender, sent } = collecting(2);
    for (const v of ['a', 'b', 'c']) await sender.add('events', { key: v, value: v });
    await sender.add('dlq', { key: null, value: 'bad' });
    await sender.drain();
    expect(sent.map(text)).toEqual([['events:ab'], ['events:c', 'dlq:bad']]);
    expect(sent[1]!.byTopic.get('events')![0]!.key?.toString()).toBe('c');
    expect(sent[1]!.byTopic.get('dlq')![0]!.key).toBeNull();
  });

  it('lets the caller go on without a promise until a batch is full', async () => {
    const { sender, sent } = collecting(3);
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

  it('never lets a batch pass maxBytes: a message that would goes into the next batch', async () => {
    const { sender, sent } = collecting(100, 10);
    for (const v of ['aaaa', 'bbbb', 'cccc', 'dddddddd', 'e']) await sender.add('t', { key: null, value: v });
    await sender.drain();
    expect(sent.map((b) => b.bytes)).toEqual([8, 4, 9]);
    expect(sent.every((b) => b.bytes <= 10)).toBe(true);
  });

  it('writes a message encoded in place as it is added: the caller may reuse its buffer at once', async () => {
    const { sender, sent } = collecting(10);
    const scratch = Buffer.alloc(16);
    for (const [key, value] of [
      ['7', '{"a":1}'],
      ['42', '{"b":"省"}'],
    ] as const) {
      const keyBytes = scratch.write(key);
      const valueBytes = scratch.write(value, keyBytes);
      await sender.addEncoded('events', scratch, keyBytes, valueBytes);
      scratch.fill(0);
    }
    await sender.drain();
    expect(sent[0]!.byTopic.get('events')!.map((m) => [m.key?.toString(), m.value.toString()])).toEqual([
      ['7', '{"a":1}'],
      ['42', '{"b":"省"}'],
    ]);
    expect(sent[0]!.bytes).toBe(1 + 7 + 2 + Buffer.byteLength('{"b":"省"}'));
  });
});

describe('BatchSender.addEncoded when the batch is full', () => {
  it('copies the message after the flush it waits for, so a caller that waits may reuse its buffer after', async () => {
    const gate = deferred();
    const sent: OutgoingBatch[] = [];
    const sender = new BatchSender({
      send: async (packed) => {
        sent.push(unpackBatch(packed));
        await gate.promise;
      },
      maxMessages: 100,
      maxBytes: 8,
    });
    const scratch = Buffer.alloc(8);
    scratch.write('1abc');
    expect(sender.addEncoded('t', scratch, 1, 3)).toBeUndefined(); // copied now: the caller reuses scratch at once
    scratch.write('2{"b":2}');
    const waiting = sender.addEncoded('t', scratch, 1, 7); // 4 + 8 bytes pass maxBytes: flush first, copy after
    expect(waiting).toBeInstanceOf(Promise);
    gate.resolve();
    await waiting;
    scratch.fill(0);
    await sender.drain();
    expect(sent.map((b) => b.byTopic.get('t')!.map((m) => `${m.key?.toString()} ${m.value.toString()}`))).toEqual([['1 abc'], ['2 {"b":2}']]);
  });
});

describe('deliverUntilAcknowledged', () => {
  it('retries a failed batch, the same batch object, until it is acknowledged, and reports each attempt', async () => {
    const attempts: OutgoingBatch[] = [];
    const acknowledged: number[] = [];
    const batch = oneMessage();
    await deliverUntilAcknowledged(batch, {
      send: async (b) => {
        attempts.push(b);
        if (attempts.length < 3) throw new Error('broker away');
      },
      logger: silentLogger(),
      initialBackoffMs: 1,
      onSent: (b) => acknowledged.push(b.count),
    });
    expect(attempts).toEqual([batch, batch, batch]);
    expect(attempts.every((b) => b === batch)).toBe(true);
    expect(acknowledged).toEqual([1]);
  });

  it('after shutdown is requested, gives up past the grace period and says how much was not delivered', async () => {
    const controller = new AbortController();
    controller.abort();
    const failure = deliverUntilAcknowledged(oneMessage(), {
      send: async () => {
        throw new Error('broker away');
      },
      logger: silentLogger(),
      initialBackoffMs: 1,
      signal: controller.signal,
      giveUpAfterAbortMs: 5,
    });
    await expect(failure).rejects.toBeInstanceOf(UndeliveredError);
    await expect(failure).rejects.toThrow('1 message(s) could not be delivered before shutdown');
  });

  it('does not retry a refusal Kafka marks as final: the caller gets RefusedBatchError at once', async () => {
    let attempts = 0;
    const refusal = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), {
      name: 'KafkaJSProtocolError',
      retriable: false,
    });
    const delivered = deliverUntilAcknowledged(oneMessage(), {
      send: async () => {
        attempts += 1;
        throw refusal;
      },
      logger: silentLogger(),
      initialBackoffMs: 1,
      isRetriable: (err) => (err as { retriable?: boolean }).retriable !== false,
    });
    await expect(delivered).rejects.toBeInstanceOf(RefusedBatchError);
    await expect(delivered).rejects.toThrow('Kafka refused a batch of 1 message(s) and says retrying cannot help: The request included a message larger');
    expect(attempts).toBe(1);
  });
});
