import type { Admin } from 'kafkajs';
import { retry } from '@streamtally/observability';
import { KafkaRequestError } from './kafka-errors';

/** A consumer group a service joins, and the setting that names it (for messages). */
export interface GroupNeed {
  group: string;
  setting: string;
  /**
   * the groups are the service's own throw-away ones under this prefix (`group` one such
   * name): the grant is a prefixed ACL, with Delete (the service deletes them when it stops)
   */
  prefix?: string;
}

/** The service's principal may not use some of its consumer groups: each named, with the grant that fixes it. */
export class GroupsNotReadyError extends Error {
  override readonly name = 'GroupsNotReadyError';
  constructor(readonly problems: string[]) {
    super(`the consumer groups are not as this service needs them:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Asks for each group's committed offsets once at start: the broker answers
 * GROUP_AUTHORIZATION_FAILED to a principal without Read (or Describe) on the group. A
 * consumer meeting the same refusal only ever reports "Failed to find group coordinator", in a
 * loop of crashes, and a job behind stays behind without a word (seen with the catch-up
 * reader's group missing from the ACLs). Any other failure is the caller's to report.
 */
export async function checkGroupAccess(admin: Admin, needs: GroupNeed[], timeoutMs: number): Promise<void> {
  const problems: string[] = [];
  for (const need of needs) {
    if (await refused(admin, need.group, timeoutMs)) problems.push(need.prefix === undefined ? refusedGroup(need) : refusedPrefix(need, need.prefix));
  }
  if (problems.length > 0) throw new GroupsNotReadyError(problems);
}

/**
 * Whether the broker refuses this principal the group. A broker still settling (its group
 * coordinator moving or loading, as on every `docker compose up`) is asked again, for up to
 * `timeoutMs`.
 */
function refused(admin: Admin, groupId: string, timeoutMs: number): Promise<boolean> {
  return retry(
    async () => {
      try {
        await admin.fetchOffsets({ groupId });
        return false;
      } catch (err) {
        const failure = KafkaRequestError.of(err);
        if (failure.code === 'GROUP_AUTHORIZATION_FAILED') return true;
        throw failure;
      }
    },
    {
      initialMs: 200,
      maxMs: 2000,
      withinMs: timeoutMs,
      onFailure: (err) => {
        if (!KafkaRequestError.of(err).retriable) throw err;
      },
    },
  );
}

const GRANT = 'kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:<principal> --operation Read';

const refusedGroup = (need: GroupNeed) =>
  `${need.group} (${need.setting}): this principal may not read the consumer group; grant it with: ${GRANT} --group ${need.group}`;

const refusedPrefix = (need: GroupNeed, prefix: string) =>
  `${prefix}<random> (${need.setting}): this principal may not read the consumer groups named ${prefix}…; grant it with: ` +
  `${GRANT} --operation Delete --resource-pattern-type prefixed --group ${prefix}`;
