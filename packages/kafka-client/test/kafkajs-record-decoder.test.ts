/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no types */

// patches/kafkajs@2.2.4.patch computes each fetched record's offset and timestamp with
// Numbers instead of a BigInt-backed Long where that is exact. These tests decode batches
// whose offsets and timestamps are known, including past 2^53 and with deltas that need
// the 64-bit varint, where the patched decoder must fall back to Long.
const Decoder = require('kafkajs/src/protocol/decoder');
const Long = require('kafkajs/src/utils/long');
const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder');
const encodeUncompressedPartition = require('kafkajs/src/protocol/recordBatch/v0/uncompressedPartition');

interface Message {
  key: string;
  value: string;
  timestamp: number;
  headers?: Record<string, string | string[]>;
}

/** A RecordBatch as a fetch response carries it, with the broker's first offset written in. */
function fetchedBatch(messages: Message[], firstOffset: bigint): Buffer {
  const timestamps = messages.map((m) => m.timestamp);
  const entry: Buffer = encodeUncompressedPartition({
    partition: 0,
    messages,
    transactional: false,
    firstSequence: 0,
    producerId: Long.fromValue(7),
    producerEpoch: 0,
    firstTimestamp: timestamps[0],
    maxTimestamp: Math.max(...timestamps),
    dateNow: Date.now(),
  }).buffer;
  const batch = Buffer.from(entry.subarray(8)); // after partition and record set size
  batch.writeBigInt64BE(firstOffset, 0);
  return batch;
}

async function decode(batch: Buffer) {
  return (await RecordBatchDecoder(new Decoder(batch))).records as {
    offset: string;
    timestamp: string;
    key: Buffer;
    value: Buffer;
    headers: Record<string, unknown>;
  }[];
}

describe('the patched record decoder', () => {
  it('gives every record its offset and timestamp, exactly, as decimal strings', async () => {
    const base = 1_763_900_000_000;
    const deltas = [0, 1, -1, 999, 2 ** 27 - 1, 2 ** 27, -(2 ** 27), 2 ** 33, -(2 ** 40)];
    const messages = deltas.map((d, i) => ({ key: `k${i}`, value: `{"n":${i}}`, timestamp: base + d }));
    for (const firstOffset of [0n, 123_456_789_012n, 2n ** 53n - 4n, 2n ** 62n]) {
      const records = await decode(fetchedBatch(messages, firstOffset));
      expect(records.map((r) => r.offset)).toEqual(messages.map((_, i) => String(firstOffset + BigInt(i))));
      expect(records.map((r) => r.timestamp)).toEqual(messages.map((m) => String(m.timestamp)));
      expect(records.map((r) => `${r.key}=${r.value}`)).toEqual(messages.map((m) => `${m.key}=${m.value}`));
    }
  });

  it('keeps headers, repeated keys as arrays, and gives {} to a record without any', async () => {
    const records = await decode(
      fetchedBatch(
        [
          { key: 'a', value: '1', timestamp: 1000, headers: { trace: 'x', many: ['p', 'q'] } },
          { key: 'b', value: '2', timestamp: 1001 },
        ],
        42n,
      ),
    );
    expect(Object.fromEntries(Object.entries(records[0]!.headers).map(([k, v]) => [k, String(v)]))).toEqual({ trace: 'x', many: 'p,q' });
    expect(Array.isArray(records[0]!.headers.many)).toBe(true);
    expect(records[1]!.headers).toEqual({});
    expect(records.map((r) => r.offset)).toEqual(['42', '43']);
  });
});

describe('the patched consumer Batch', () => {
  const Batch = require('kafkajs/src/consumer/batch');
  const messagesAt = (offsets: string[]) => offsets.map((offset) => ({ offset, isControlRecord: false }));

  it('drops the records before the fetched offset, also past 2^53 where Numbers are not exact', () => {
    const cases: [string, string[], string[]][] = [
      ['100', ['98', '99', '100', '101'], ['100', '101']],
      ['9007199254740993', ['9007199254740992', '9007199254740993', '9007199254740994'], ['9007199254740993', '9007199254740994']],
      ['9007199254740991', ['9007199254740990', '9007199254740991', '9007199254740992'], ['9007199254740991', '9007199254740992']],
    ];
    for (const [fetched, offsets, kept] of cases) {
      const batch = new Batch('t', fetched, { partition: 0, highWatermark: '0', messages: messagesAt(offsets) });
      expect(batch.messages.map((m: { offset: string }) => m.offset)).toEqual(kept);
    }
  });
});
