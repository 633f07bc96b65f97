import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { partitionCounts } from './partitioned-send';
import { ensureTopics, replicationFor, whileTopicsPropagate, type Replication } from './topics';

/** A topic a service reads or writes, and what it must be for the service to work. */
export interface TopicNeed {
  topic: string;
  /** the setting that names it, for messages: `INPUT_TOPIC`, `source of job "x"` */
  setting: string;
  /**
   * compact: results keep the latest version of each window forever; delete: events must
   * never be compacted away (two events with one key are two events)
   */
  cleanup: 'compact' | 'delete';
}

export interface TopicSettings {
  /** TOPICS_CREATE: create what is missing (true), or only check (false: topics provisioned by a platform team) */
  create: boolean;
  /** TOPIC_PARTITIONS: partitions of the topics it creates (default 6) */
  partitions?: number;
  /** TOPIC_MIN_PARTITIONS: when checking, the fewest partitions a topic may have (default 1) */
  minPartitions?: number;
  replicationFactor?: number;
  minInsyncReplicas?: number;
}

/** What start-up learnt about the topics: where keys go, and how large a batch may be. */
export interface PreparedTopics {
  /** brokers in the cluster: one request per partition on more than one */
  brokers: number;
  /** a topic's partition count; throws for a topic that was not prepared (a bug, not an input) */
  partitionsOf(topic: string): number;
  /** a topic's max.message.bytes: the largest record batch it takes */
  maxMessageBytesOf(topic: string): number;
}

/** Topics are missing or not as a service needs them: every problem, with the command that fixes it. */
export class TopicsNotReadyError extends Error {
  override readonly name = 'TopicsNotReadyError';
  constructor(
    readonly problems: string[],
    created: boolean,
  ) {
    const mode = created ? 'TOPICS_CREATE=true: it created what was missing' : 'TOPICS_CREATE=false: it checks, it does not create';
    super(`the topics are not as this service needs them (${mode}):\n  ${problems.join('\n  ')}`);
  }
}

export const DEFAULT_TOPIC_PARTITIONS = 6;

/**
 * Makes sure every topic the service needs is there and right, once at start, and learns
 * what sending needs. Creating (TOPICS_CREATE=true, the default) makes what is missing,
 * compacted where it must be; checking (false) creates nothing and fails naming every
 * missing or wrong topic with the command that would make it right. In both modes an existing
 * topic with the wrong cleanup policy stops start-up: compacting events loses them.
 */
export async function prepareTopics(admin: Admin, needs: TopicNeed[], settings: TopicSettings, logger: Logger): Promise<PreparedTopics> {
  const unique = [...new Map(needs.map((need) => [need.topic, need])).values()];
  const { brokers } = await admin.describeCluster();
  if (settings.create) {
    const replication = await replicationFor(admin, { factor: settings.replicationFactor, minInsyncReplicas: settings.minInsyncReplicas });
    const created = await ensureTopics(
      admin,
      unique.map((need) => ({
        topic: need.topic,
        numPartitions: settings.partitions ?? DEFAULT_TOPIC_PARTITIONS,
        ...(need.cleanup === 'compact' ? { config: { 'cleanup.policy': 'compact' } } : {}),
      })),
      replication,
    );
    if (created.length > 0) logger.info({ topics: created, replication }, 'created topics');
  }
  const described = await describeTopics(admin, unique, settings.create);
  const problems = unique.flatMap((need) => topicProblems(need, described.get(need.topic), settings, brokers.length));
  if (problems.length > 0) throw new TopicsNotReadyError(problems, settings.create);
  return {
    brokers: brokers.length,
    partitionsOf: (topic) => known(described, topic).partitions,
    maxMessageBytesOf: (topic) => known(described, topic).maxMessageBytes,
  };
}

interface TopicFacts {
  partitions: number;
  cleanupPolicy: string;
  maxMessageBytes: number;
}

function known(described: Map<string, TopicFacts | undefined>, topic: string): TopicFacts {
  const facts = described.get(topic);
  if (!facts) throw new Error(`topic ${topic} was not prepared at start`);
  return facts;
}

/** Partitions, cleanup policy and max.message.bytes of each topic that exists (and this principal may describe). */
async function describeTopics(admin: Admin, needs: TopicNeed[], justCreated: boolean): Promise<Map<string, TopicFacts | undefined>> {
  const existing = await listedTopics(
    admin,
    needs.map((n) => n.topic),
    justCreated,
  );
  const present = needs.map((n) => n.topic).filter((t) => existing.has(t));
  const facts = new Map<string, TopicFacts | undefined>(needs.map((n) => [n.topic, undefined]));
  if (present.length === 0) return facts;
  const [partitions, configs] = await Promise.all([
    partitionCounts(admin, present),
    whileTopicsPropagate(() =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy', 'max.message.bytes'] })),
      }),
    ),
  ]);
  for (const [topic, count] of partitions) {
    const entries = configs.resources.find((r) => r.resourceName === topic)?.configEntries ?? [];
    const value = (name: string) => entries.find((e) => e.configName === name)?.configValue ?? '';
    facts.set(topic, { partitions: count, cleanupPolicy: value('cleanup.policy'), maxMessageBytes: Number(value('max.message.bytes')) });
  }
  return facts;
}

/** Topics a broker does not list yet, although they were just created (or found) on another. */
class TopicsUnlisted extends Error {}

/**
 * The topics the cluster lists. Right after creating, asked again while some are missing:
 * the broker asked may not have heard of a topic the controller created a moment ago
 * (whileTopicsPropagate says more); what is still missing after that is reported as missing.
 */
async function listedTopics(admin: Admin, needed: string[], justCreated: boolean): Promise<Set<string>> {
  if (!justCreated) return new Set(await admin.listTopics());
  try {
    return await whileTopicsPropagate(async () => {
      const listed = new Set(await admin.listTopics());
      const unlisted = needed.filter((topic) => !listed.has(topic));
      if (unlisted.length > 0) throw new TopicsUnlisted(`not listed yet: ${unlisted.join(', ')}`);
      return listed;
    });
  } catch (err) {
    if (!(err instanceof TopicsUnlisted)) throw err;
    return new Set(await admin.listTopics());
  }
}

/** What is wrong with one topic, each with the command that would fix it. Pure. */
export function topicProblems(need: TopicNeed, facts: TopicFacts | undefined, settings: TopicSettings, brokers: number): string[] {
  const name = `${need.topic} (${need.setting})`;
  if (!facts) {
    const replication = settings.replicationFactor ?? Math.min(3, brokers);
    const minIsr = settings.minInsyncReplicas ?? (replication >= 3 ? 2 : 1);
    const configs = [...(need.cleanup === 'compact' ? ['cleanup.policy=compact'] : []), `min.insync.replicas=${minIsr}`];
    return [
      `${name}: does not exist, or this principal may not Describe it; create it with: kafka-topics.sh --bootstrap-server <broker> --create --topic ${need.topic} ` +
        `--partitions ${settings.partitions ?? DEFAULT_TOPIC_PARTITIONS} --replication-factor ${replication} ${configs.map((c) => `--config ${c}`).join(' ')}`,
    ];
  }
  const problems: string[] = [];
  const fewest = settings.minPartitions ?? 1;
  if (!settings.create && facts.partitions < fewest) {
    problems.push(
      `${name}: has ${facts.partitions} partition(s), TOPIC_MIN_PARTITIONS asks for at least ${fewest}; add them with: kafka-topics.sh --bootstrap-server <broker> --alter --topic ${need.topic} --partitions ${fewest}`,
    );
  }
  const policies = facts.cleanupPolicy.split(',').map((p) => p.trim());
  if (need.cleanup === 'compact' && !policies.includes('compact')) {
    problems.push(
      `${name}: cleanup.policy is ${facts.cleanupPolicy || 'unknown'}, it must be compact (a reader keeps each window's latest result); fix it with: ` +
        `kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${need.topic} --add-config cleanup.policy=compact`,
    );
  }
  if (need.cleanup === 'delete' && policies.includes('compact')) {
    problems.push(
      `${name}: cleanup.policy is ${facts.cleanupPolicy}: compaction would drop events that share a key; fix it with: ` +
        `kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${need.topic} --add-config cleanup.policy=delete`,
    );
  }
  return problems;
}

export type { Replication };
