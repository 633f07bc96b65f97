import { Partitioners } from 'kafkajs';
import { partitionOfKey, requestsOf } from '../src/partitioned-send';
import { seededRandom } from '@streamtally/test-support';

// The per-partition sender places keys itself: it must place them where kafkajs's
// DefaultPartitioner (Kafka's Java placement) does, or the same key would change partition
// between a single broker and a cluster.
describe('partitionOfKey', () => {
  it('places 5,000 seeded keys where kafkajs DefaultPartitioner does, for 1 to 24 partitions', () => {
    const random = seededRandom(7);
    const partitioner = Partitioners.DefaultPartitioner();
    const differing: string[] = [];
    for (let n = 0; n < 5000; n += 1) {
      const key = String(Math.floor(random() * 1e9));
      const partitions = 1 + Math.floor(random() * 24);
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
      const expected = partitioner({ topic: 't', partitionMetadata: partitionMetadata as never, message: { key, value: null } });
      if (partitionOfKey(key, partitions) !== expected) differing.push(`${key}/${partitions}`);
    }
    expect(differing).toEqual([]);
  });
});

describe('requestsOf', () => {
  const message = (bytes: number, key: string | null = 'k') => ({ key, value: Buffer.alloc(bytes), partition: 0 });
  it("cuts a partition's messages, in order, into requests of at most the bytes given (keys, values and overhead)", () => {
    const messages = Array.from({ length: 10 }, (_, i) => message(100 + i));
    const requests = requestsOf(messages, 500);
    expect(requests.flat()).toEqual(messages);
    for (const request of requests) expect(request.reduce((sum, m) => sum + m.value.length + 1 + 64, 0)).toBeLessThanOrEqual(500);
    expect(requests.map((r) => r.length)).toEqual([3, 2, 2, 2, 1]); // 165 + 166 + 167 bytes fit in 500, and so on
  });
  it('puts a message larger than the bound in a request of its own; no bound, one request', () => {
    expect(requestsOf([message(10), message(2000), message(10)], 500).map((r) => r.length)).toEqual([1, 1, 1]);
    expect(requestsOf([message(10), message(2000)], Infinity)).toHaveLength(1);
    // a key's bytes count as UTF-8: 100 three-byte characters are 300 bytes (364 with the overhead)
    expect(requestsOf([message(0, '€'.repeat(100)), message(0, '€'.repeat(100))], 750)).toHaveLength(1);
    expect(requestsOf([message(0, '€'.repeat(100)), message(0, '€'.repeat(100))], 700)).toHaveLength(2);
  });
});
