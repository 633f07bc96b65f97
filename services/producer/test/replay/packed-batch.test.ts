import { MessageChannel } from 'node:worker_threads';
import { byteLength, PackedBatchBuilder, spareBuffersOf, transferListOf, unpackBatch } from '../../src/replay/packed-batch';
import { seededRandom } from '../../src/sample-data/random';

const asText = (key: Buffer | string | null) => (key === null ? null : key.toString());

describe('packed batches', () => {
  it('unpack to the messages added, per topic in the order added, keys null or bytes, values byte for byte', () => {
    const builder = new PackedBatchBuilder();
    const added: [string, string | null, string | Buffer][] = [
      ['events', '7', '{"province":"上海"}'],
      ['dlq', 'log.csv:3', '{"reason":"x"}'],
      ['events', null, Buffer.from([0, 255, 1])],
      ['events', '😀', ''],
      ['dlq', 'log.csv:9', 'é'],
    ];
    for (const [topic, key, value] of added) builder.add(topic, byteLength(key), byteLength(value), { key, value });
    const unpacked = unpackBatch(builder.build());
    expect([...unpacked.byTopic.keys()]).toEqual(['events', 'dlq']);
    const byTopic = (topic: string) => unpacked.byTopic.get(topic)!.map((m) => [asText(m.key), Buffer.from(m.value).toString('hex')]);
    for (const topic of ['events', 'dlq']) {
      const expected = added.filter(([t]) => t === topic).map(([, key, value]) => [key, Buffer.from(value).toString('hex')]);
      expect(byTopic(topic)).toEqual(expected);
    }
    expect(unpacked.count).toBe(5);
    expect(unpacked.bytes).toBe(added.reduce((sum, [, key, value]) => sum + Math.max(byteLength(key), 0) + byteLength(value), 0));
  });

  it('grows past its first buffers, and a builder started at the last one’s capacity does not need to', () => {
    const random = seededRandom(3);
    const builder = new PackedBatchBuilder({ bytes: 16, messages: 2 });
    const values = Array.from({ length: 3000 }, (_, i) => `${i}:${'省'.repeat(Math.floor(random() * 40))}`);
    values.forEach((value, i) => builder.add('t', byteLength(String(i)), byteLength(value), { key: String(i), value }));
    const messages = unpackBatch(builder.build()).byTopic.get('t')!;
    expect(messages.map((m) => [asText(m.key), m.value.toString()])).toEqual(values.map((v, i) => [String(i), v]));
    expect(builder.capacity.messages).toBeGreaterThanOrEqual(3000);
    expect(new PackedBatchBuilder(builder.capacity).capacity).toEqual(builder.capacity);
  });

  it('a message encoded in place is copied: the source may change after', () => {
    const builder = new PackedBatchBuilder();
    const source = Buffer.from('42{"a":1}');
    builder.addEncoded('t', source, 2, 7);
    source.fill(0);
    const [message] = unpackBatch(builder.build()).byTopic.get('t')!;
    expect([asText(message!.key), message!.value.toString()]).toEqual(['42', '{"a":1}']);
  });

  it('crosses threads as two transferred buffers and arrives whole', async () => {
    const builder = new PackedBatchBuilder();
    builder.add('t', 1, 2, { key: 'k', value: 'v1' });
    const packed = builder.build();
    const { port1, port2 } = new MessageChannel();
    const arrived = new Promise<typeof packed>((resolve) => port2.once('message', resolve));
    port1.postMessage(packed, transferListOf(packed));
    expect(packed.bytes.byteLength).toBe(0); // moved, not copied
    const [message] = unpackBatch(await arrived).byTopic.get('t')!;
    expect([asText(message!.key), message!.value.toString()]).toEqual(['k', 'v1']);
    port1.close();
  });

  it('fills a sent batch’s buffers again when they are large enough, and takes new ones when not', () => {
    const first = new PackedBatchBuilder({ bytes: 64, messages: 4 });
    first.add('t', 1, 2, { key: 'k', value: 'v1' });
    const spare = spareBuffersOf(first.build());
    const reused = new PackedBatchBuilder({ bytes: 64, messages: 4 }, spare);
    reused.add('u', 1, 2, { key: 'j', value: 'v2' });
    const packed = reused.build();
    expect(packed.bytes.buffer).toBe(spare.bytes);
    expect(packed.lengths.buffer).toBe(spare.lengths);
    expect(
      unpackBatch(packed)
        .byTopic.get('u')!
        .map((m) => m.value.toString()),
    ).toEqual(['v2']);
    const larger = new PackedBatchBuilder({ bytes: 128, messages: 4 }, spareBuffersOf(packed)).build();
    expect(larger.bytes.buffer).not.toBe(spare.bytes);
  });
});
