/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no types */
import { randomBytes } from 'node:crypto';

// patches/kafkajs@2.2.4.patch replaces how kafkajs writes an uncompressed RecordBatch, its
// CRC32C and the murmur2 hash that picks a key's partition. These tests hold the patched code
// to kafkajs's own, unpatched Record and RecordBatch encoders byte for byte, the checksum to
// a bit-by-bit reference, and murmur2 to Kafka's Java test vectors and a 64-bit reference.
const Encoder = require('kafkajs/src/protocol/encoder');
const Long = require('kafkajs/src/utils/long');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C');
const encodeUncompressedPartition = require('kafkajs/src/protocol/recordBatch/v0/uncompressedPartition');
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2');

interface Message {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  timestamp?: number;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
}

/** What kafkajs's partitionsEncoder produced before the patch. */
async function unpatched(partition: number, messages: Message[], batch: BatchFields): Promise<Buffer> {
  const records = messages.map((message, i) =>
    Record({ ...message, offsetDelta: i, timestampDelta: (message.timestamp || batch.dateNow) - batch.firstTimestamp }),
  );
  const recordBatch = await RecordBatch({ ...batch, compression: 0, records, lastOffsetDelta: records.length - 1 });
  return new Encoder().writeInt32(partition).writeInt32(recordBatch.size()).writeEncoder(recordBatch).buffer;
}

function patched(partition: number, messages: Message[], batch: BatchFields): Buffer {
  return encodeUncompressedPartition({ partition, messages, ...batch }).buffer;
}

interface BatchFields {
  transactional: boolean;
  firstSequence: number;
  producerId: unknown;
  producerEpoch: number;
  firstTimestamp: number;
  maxTimestamp: number;
  dateNow: number;
}

const batch = (overrides: Partial<BatchFields> = {}): BatchFields => ({
  transactional: false,
  firstSequence: 1234,
  producerId: Long.fromValue(98765),
  producerEpoch: 3,
  firstTimestamp: 1_700_000_000_000,
  maxTimestamp: 1_700_000_000_000,
  dateNow: 1_700_000_000_000,
  ...overrides,
});

describe('the patched RecordBatch encoder writes the bytes kafkajs wrote', () => {
  it('for keyed JSON string values, the streamtally case', async () => {
    const messages = Array.from({ length: 300 }, (_, i) => ({
      key: String(100_000 + i * 7),
      value: JSON.stringify({ user_id: i, province: '浙江', ts: 1_700_000_000_000 + i }),
    }));
    expect(patched(5, messages, batch())).toEqual(await unpatched(5, messages, batch()));
  });

  it('for Buffers, null keys, empty values, multi-byte varint lengths and headers', async () => {
    const messages: Message[] = [
      { key: null, value: randomBytes(70_000) },
      { key: randomBytes(200), value: '' },
      { key: 'k', value: 'é'.repeat(100), headers: { trace: 'abc', bin: randomBytes(3), many: ['a', Buffer.from('b')] } },
      { value: 'no key at all' },
    ];
    expect(patched(0, messages, batch())).toEqual(await unpatched(0, messages, batch()));
  });

  it('for timestamps before, after and far from the first one (varlong deltas past 32 bits)', async () => {
    const first = 1_600_000_000_000;
    const messages: Message[] = [0, 1, -1, 63, 64, 8191, 8192, 2 ** 30 - 1, 2 ** 30 + 5, -(2 ** 30) - 5, 2 ** 31, 2 ** 40, -(2 ** 35)].map((delta, i) => ({
      key: `k${i}`,
      value: `v${i}`,
      timestamp: first + delta,
    }));
    const fields = batch({ firstTimestamp: first, maxTimestamp: first + 2 ** 40 });
    expect(patched(2, messages, fields)).toEqual(await unpatched(2, messages, fields));
  });

  it('for a transactional batch and the non-idempotent producer id -1', async () => {
    const messages = [{ key: 'a', value: 'b' }];
    for (const fields of [batch({ transactional: true }), batch({ producerId: Long.fromValue(-1), producerEpoch: 0, firstSequence: 0 })]) {
      expect(patched(1, messages, fields)).toEqual(await unpatched(1, messages, fields));
    }
  });
});

describe('the patched CRC32C', () => {
  /** bit by bit, straight from the polynomial */
  function reference(bytes: Buffer): number {
    let crc = 0xffffffff;
    for (const byte of bytes) {
      crc ^= byte;
      for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    }
    return (crc ^ 0xffffffff) >>> 0;
  }

  it('gives the standard check value for "123456789"', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('agrees with the reference for every length from 0 to 64 and on a large buffer', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = randomBytes(length);
      expect(crc32C(bytes)).toBe(reference(bytes));
    }
    const large = randomBytes(100_003);
    expect(crc32C(large)).toBe(reference(large));
  });
});

describe('the patched murmur2 (which partition a key goes to)', () => {
  it("gives the values of Kafka's own Java test vectors (UtilsTest.testMurmur2)", () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(key)).toBe(hash);
  });

  /** the unpatched algorithm: 64-bit products, the low 32 bits kept where Java keeps an int */
  function reference(data: Buffer): number {
    const m = 0x5bd1e995n;
    const int = (value: bigint) => BigInt.asIntN(32, value);
    const unsignedShift = (value: bigint, by: bigint) => BigInt.asUintN(32, value) >> by;
    let h = int(0x9747b28cn ^ BigInt(data.length));
    const whole = data.length - (data.length % 4);
    for (let i = 0; i < whole; i += 4) {
      let k = int(BigInt(data.readInt32LE(i)) * m);
      k = int(k ^ unsignedShift(k, 24n));
      k = int(k * m);
      h = int(int(h * m) ^ k);
    }
    const rest = data.length % 4;
    if (rest >= 3) h = int(h ^ (BigInt(data[whole + 2]!) << 16n));
    if (rest >= 2) h = int(h ^ (BigInt(data[whole + 1]!) << 8n));
    if (rest >= 1) h = int(int(h ^ BigInt(data[whole]!)) * m);
    h = int(h ^ unsignedShift(h, 13n));
    h = int(h * m);
    h = int(h ^ unsignedShift(h, 15n));
    return Number(h);
  }

  it('agrees with the 64-bit reference on random keys of every length up to 40 bytes', () => {
    for (let length = 0; length <= 40; length++) {
      for (let n = 0; n < 20; n++) {
        const key = randomBytes(length);
        expect(murmur2(key)).toBe(reference(key));
      }
    }
    expect(murmur2('12345')).toBe(reference(Buffer.from('12345')));
  });

  it('hashes a string key as its UTF-8 bytes: short ASCII, past the 64-byte scratch, and non-ASCII', () => {
    const keys = ['', '7', '328862', 'user-42', 'x'.repeat(64), 'y'.repeat(65), '上海', 'zürich-1', 'a\u007f\u0080'];
    for (const key of keys) expect({ key, hash: murmur2(key) }).toEqual({ key, hash: reference(Buffer.from(key, 'utf8')) });
    expect(murmur2(12345)).toBe(reference(Buffer.from('12345'))); // kafkajs turns other keys into strings
    // a short key after a longer one must not see the longer one's leftover bytes
    expect(murmur2('abcdefgh')).toBe(reference(Buffer.from('abcdefgh')));
    expect(murmur2('ab')).toBe(reference(Buffer.from('ab')));
  });
});
