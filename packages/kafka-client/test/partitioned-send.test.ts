import { Partitioners } from 'kafkajs';
import { partitionOfKey } from '../src/partitioned-send';
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
