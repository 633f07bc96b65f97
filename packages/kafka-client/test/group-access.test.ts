import type { Admin } from 'kafkajs';
import { checkGroupAccess, GroupsNotReadyError } from '../src/group-access';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's own decoding of a broker's error code, untyped
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's error classes, untyped
const { KafkaJSGroupCoordinatorNotFound } = require('kafkajs/src/errors') as {
  KafkaJSGroupCoordinatorNotFound: new (m: string, o: { cause?: Error }) => Error;
};

// the broker's answers as kafkajs hands them over: a coordinator moving (code 16, retriable,
// seen on every `docker compose up`), and a refused group (code 30) inside the coordinator
// lookup's error, where the patched kafkajs keeps it (patches/KAFKAJS-FORK.md, hunk 8)
const notCoordinator = () => createErrorFromCode(16);
const groupRefused = () => new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator', { cause: createErrorFromCode(30) });

/** An admin whose fetchOffsets answers, per group, from a list of outcomes (an error, or offsets). */
function adminAnswering(answers: Record<string, (Error | 'ok')[]>) {
  const asked: string[] = [];
  const admin = {
    fetchOffsets: async ({ groupId }: { groupId: string }) => {
      asked.push(groupId);
      const next = answers[groupId]!.shift() ?? 'ok';
      if (next !== 'ok') throw next;
      return [];
    },
  } as unknown as Admin;
  return { admin, asked };
}

describe('checkGroupAccess', () => {
  it('asks again while the coordinator moves, and passes once the group answers', async () => {
    const { admin, asked } = adminAnswering({ g: [notCoordinator(), notCoordinator(), 'ok'] });
    await checkGroupAccess(admin, [{ group: 'g', setting: 'CONSUMER_GROUP' }], 10_000);
    expect(asked).toEqual(['g', 'g', 'g']);
  });

  it('names every refused group with its grant, literal or prefixed', async () => {
    const { admin } = adminAnswering({ a: [groupRefused()], 'p-123': [groupRefused()], ok: ['ok'] });
    const check = checkGroupAccess(
      admin,
      [
        { group: 'a', setting: 'CONSUMER_GROUP' },
        { group: 'ok', setting: 'OTHER' },
        { group: 'p-123', setting: 'CONSUMER_GROUP_PREFIX', prefix: 'p-' },
      ],
      10_000,
    );
    await expect(check).rejects.toThrow(GroupsNotReadyError);
    await expect(check).rejects.toThrow(
      'the consumer groups are not as this service needs them:\n' +
        '  a (CONSUMER_GROUP): this principal may not read the consumer group; grant it with: kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:<principal> --operation Read --group a\n' +
        '  p-<random> (CONSUMER_GROUP_PREFIX): this principal may not read the consumer groups named p-…; grant it with: kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:<principal> --operation Read --operation Delete --resource-pattern-type prefixed --group p-',
    );
  });

  it('throws any other final refusal as it is, and a moving coordinator once the time is up', async () => {
    const { admin } = adminAnswering({ g: [createErrorFromCode(29)] }); // TOPIC_AUTHORIZATION_FAILED
    await expect(checkGroupAccess(admin, [{ group: 'g', setting: 'CONSUMER_GROUP' }], 10_000)).rejects.toThrow('Not authorized to access topics');
    const moving = adminAnswering({ g: Array.from({ length: 100 }, notCoordinator) });
    await expect(checkGroupAccess(moving.admin, [{ group: 'g', setting: 'CONSUMER_GROUP' }], 500)).rejects.toThrow('This is not the correct coordinator');
    expect(moving.asked.length).toBeGreaterThan(1);
  });
});
