import type { Admin } from 'kafkajs';
import { partitionCounts } from '../src/partitioned-send';
import { whileTopicsPropagate } from '../src/topics';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's own decoding of a broker's error code, untyped
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };

// what a broker that has not yet heard of a new topic answers (code 3), decoded by kafkajs
const unknownTopic = () => createErrorFromCode(3);
const notAuthorised = () => createErrorFromCode(29); // TOPIC_AUTHORIZATION_FAILED: final

describe('whileTopicsPropagate', () => {
  it('asks again while a broker does not know the topic yet, and returns the answer', async () => {
    let calls = 0;
    const answer = await whileTopicsPropagate(async () => {
      calls += 1;
      if (calls < 3) throw unknownTopic();
      return 'described';
    });
    expect({ answer, calls }).toEqual({ answer: 'described', calls: 3 });
    expect(unknownTopic().message).toBe('This server does not host this topic-partition');
  });

  it('throws a final refusal at once', async () => {
    let calls = 0;
    const read = whileTopicsPropagate(async () => {
      calls += 1;
      throw notAuthorised();
    });
    await expect(read).rejects.toThrow('Not authorized to access topics');
    expect(calls).toBe(1);
  });
});

describe('partitionCounts', () => {
  it('counts each topic once the broker asked knows them', async () => {
    let calls = 0;
    const admin = {
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
        calls += 1;
        if (calls === 1) throw unknownTopic();
        return { topics: topics.map((name, i) => ({ name, partitions: Array.from({ length: i + 2 }, (_, partitionId) => ({ partitionId })) })) };
      },
    } as unknown as Admin;
    expect(await partitionCounts(admin, ['a', 'b'])).toEqual(
      new Map([
        ['a', 2],
        ['b', 3],
      ]),
    );
    expect(calls).toBe(2);
  });
});
