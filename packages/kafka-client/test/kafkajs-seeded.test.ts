/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no types */
import { seededRandom } from '@streamtally/test-support';

// Seeded random inputs for every hunk of patches/kafkajs@2.2.4.patch that has an unpatched
// twin to compare with (patches/KAFKAJS-FORK.md): the RecordBatch encoder against kafkajs's
// own Record + RecordBatch, the record decoder's Number path against its Long path, and the
// per-partition grouping against a plain reference. A failure prints the seed's case number.
const Encoder = require('kafkajs/src/protocol/encoder');
const Decoder = require('kafkajs/src/protocol/decoder');
const Long = require('kafkajs/src/utils/long');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
const RecordDecoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder');
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const encodeUncompressedPartition = require('kafkajs/src/protocol/recordBatch/v0/uncompressedPartition');
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition');

const SEED = 20_261_201;

interface Message {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  timestamp?: number;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
}

function randomMessages(random: () => number): Message[] {
  const int = (max: number) => Math.floor(random() * max);
  const text = () => ['', 'a', '浙江', 'é'.repeat(int(200)), 'x'.repeat(int(3000)), '😀"\\\n'][int(6)]!;
  const bytes = () => Buffer.from(Array.from({ length: int(300) }, () => int(256)));
  const base = 1_700_000_000_000;
  return Array.from({ length: 1 + int(40) }, () => {
    const message: Message = { value: random() < 0.05 ? null : random() < 0.3 ? bytes() : text() };
    const keyKind = int(4);
    if (keyKind === 0) message.key = String(int(1e9));
    else if (keyKind === 1) message.key = bytes();
    else if (keyKind === 2) message.key = null;
    if (random() < 0.7) message.timestamp = base + int(2 ** 20) - 2 ** 19 + (random() < 0.05 ? 2 ** 36 : 0);
    if (random() < 0.2) message.headers = { trace: text(), bin: bytes(), ...(random() < 0.5 ? { many: [text(), bytes()] } : {}) };
    return message;
  });
}

function batchFields(random: () => number, messages: Message[]) {
  const dateNow = 1_700_000_000_000;
  const timestamps = messages.map((m) => m.timestamp ?? dateNow);
  return {
    transactional: random() < 0.2,
    firstSequence: Math.floor(random() * 2 ** 31),
    producerId: Long.fromValue(random() < 0.1 ? -1 : Math.floor(random() * 2 ** 40)),
    producerEpoch: Math.floor(random() * 32_767),
    firstTimestamp: timestamps[0]!,
    maxTimestamp: Math.max(...timestamps),
    dateNow,
  };
}

async function unpatchedEncoding(partition: number, messages: Message[], fields: ReturnType<typeof batchFields>): Promise<Buffer> {
  const records = messages.map((message, i) =>
    Record({ ...message, offsetDelta: i, timestampDelta: (message.timestamp || fields.dateNow) - fields.firstTimestamp }),
  );
  const batch = await RecordBatch({ ...fields, compression: 0, records, lastOffsetDelta: records.length - 1 });
  return new Encoder().writeInt32(partition).writeInt32(batch.size()).writeEncoder(batch).buffer;
}

describe('the kafkajs fork on seeded random input', () => {
  it('encodes 300 random batches byte for byte as kafkajs did', async () => {
    const random = seededRandom(SEED);
    const differing: number[] = [];
    for (let n = 0; n < 300; n += 1) {
      const messages = randomMessages(random);
      const fields = batchFields(random, messages);
      const partition = Math.floor(random() * 100);
      const patched: Buffer = encodeUncompressedPartition({ partition, messages, ...fields }).buffer;
      if (!patched.equals(await unpatchedEncoding(partition, messages, fields))) differing.push(n);
    }
    expect(differing).toEqual([]); // the case numbers, with SEED, reproduce a difference
  });

  it('decodes every record of 300 random batches as its Long path does', () => {
    const random = seededRandom(SEED + 1);
    for (let n = 0; n < 300; n += 1) {
      const messages = randomMessages(random);
      const fields = batchFields(random, messages);
      const records: Buffer = encodeUncompressedPartition({ partition: 0, messages, ...fields }).buffer;
      // the RecordBatch header is 61 bytes after partition (4) and size (4); records follow
      const body = new Decoder(records.subarray(8 + 61));
      const firstOffset = String(Math.floor(random() * 2 ** 53) + (random() < 0.1 ? 2 ** 53 : 0));
      const context = {
        firstOffset,
        firstTimestamp: String(fields.firstTimestamp),
        magicByte: 2,
        isControlBatch: false,
        isTransactionalBatch: false,
        producerId: '0',
        producerEpoch: 0,
        firstSequence: 0,
        timestampType: 0,
        maxTimestamp: String(fields.maxTimestamp),
      };
      const numericBase = {
        firstOffset: Number.isSafeInteger(Number(firstOffset)) && String(Number(firstOffset)) === firstOffset ? Number(firstOffset) : NaN,
        firstTimestamp: fields.firstTimestamp,
      };
      for (let i = 0; i < messages.length; i += 1) {
        const recordBytes = body.readVarIntBytes();
        const fast = RecordDecoder(new Decoder(recordBytes), context, numericBase);
        const slow = RecordDecoder(new Decoder(recordBytes), context);
        expect(fast).toEqual(slow);
        expect(fast.offset).toBe((BigInt(firstOffset) + BigInt(i)).toString());
      }
    }
  });

  it('groups 300 random batches per partition keeping every message, in order', () => {
    const random = seededRandom(SEED + 2);
    for (let n = 0; n < 300; n += 1) {
      const partitions = 1 + Math.floor(random() * 12);
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
      const messages = Array.from({ length: Math.floor(random() * 500) }, (_, i) => ({
        key: String(i),
        value: String(i),
        to: Math.floor(random() * partitions),
      }));
      const partitioner = ({ message }: { message: { to: number } }) => message.to;
      const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner }) as Record<string, typeof messages>;
      const expected: Record<string, typeof messages> = {};
      for (const m of messages) (expected[m.to] ??= []).push(m);
      expect(grouped).toEqual(expected);
    }
  });
});
