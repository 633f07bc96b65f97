import { DEFAULT_TOPICS } from '@streamtally/contracts';
import { openAdmin, type Admin, type Kafka } from '@streamtally/kafka-client';
import type { ProducerConfig } from '../config';

export interface TopicReport {
  topic: string;
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[]; endOffset: string }[];
  groups: { groupId: string; lag: number }[];
}

export interface TopicsOverview {
  reports: TopicReport[];
  /** topics of the pipeline that do not exist yet */
  missing: string[];
}

/** Every topic of the pipeline this producer's settings name, with the defaults of the others. */
export function pipelineTopics(config: Pick<ProducerConfig, 'INPUT_TOPIC' | 'DEAD_LETTER_TOPIC' | 'TEXT_TOPIC' | 'TEXT_DEAD_LETTER_TOPIC'>): string[] {
  return [
    ...new Set([
      config.INPUT_TOPIC,
      config.DEAD_LETTER_TOPIC,
      config.TEXT_TOPIC,
      config.TEXT_DEAD_LETTER_TOPIC,
      DEFAULT_TOPICS.windowResults,
      DEFAULT_TOPICS.lateEvents,
      DEFAULT_TOPICS.aggregatorDeadLetter,
    ]),
  ];
}

/** The `topics` command: what exists of `names`, and what does not. */
export async function topicsCommand(kafka: Kafka, options: { timeoutMs: number; names: string[] }): Promise<TopicsOverview> {
  const admin = await openAdmin(kafka, options.timeoutMs);
  try {
    const reports = await describeTopics(admin, options.names);
    const found = new Set(reports.map((r) => r.topic));
    return { reports, missing: options.names.filter((n) => !found.has(n)) };
  } finally {
    await admin.disconnect();
  }
}

/** Describes each existing topic: partitions, end offsets, and every group's total lag on it. */
export async function describeTopics(admin: Admin, topics: string[]): Promise<TopicReport[]> {
  const existing = new Set(await admin.listTopics());
  const wanted = topics.filter((t) => existing.has(t));
  if (wanted.length === 0) return [];
  const metadata = await admin.fetchTopicMetadata({ topics: wanted });
  const { groups } = await admin.listGroups();
  const reports: TopicReport[] = [];
  for (const topic of metadata.topics) {
    const offsets = await admin.fetchTopicOffsets(topic.name);
    const end = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    const lags: TopicReport['groups'] = [];
    for (const { groupId } of groups) {
      const committed = await admin.fetchOffsets({ groupId, topics: [topic.name] });
      const partitions = committed[0]?.partitions ?? [];
      if (partitions.every((p) => p.offset === '-1')) continue;
      const lag = partitions.reduce((sum, p) => sum + Math.max(0, (end.get(p.partition) ?? 0) - Math.max(0, Number(p.offset))), 0);
      lags.push({ groupId, lag });
    }
    reports.push({
      topic: topic.name,
      partitions: topic.partitions
        .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr, endOffset: String(end.get(p.partitionId) ?? 0) }))
        .sort((a, b) => a.partition - b.partition),
      groups: lags,
    });
  }
  return reports;
}

/** Human-readable table of topic reports. Pure. */
export function formatTopicReports({ reports, missing }: TopicsOverview): string {
  const lines: string[] = [];
  for (const report of reports) {
    const total = report.partitions.reduce((sum, p) => sum + Number(p.endOffset), 0);
    const replicas = Math.max(0, ...report.partitions.map((p) => p.replicas.length));
    lines.push(`${report.topic}  partitions=${report.partitions.length}  replicas=${replicas}  records=${total}`);
    lines.push(`  end offsets: ${report.partitions.map((p) => `${p.partition}:${p.endOffset}`).join(' ')}`);
    lines.push(`  leader/in-sync: ${report.partitions.map((p) => `${p.partition}:${p.leader}/${p.isr.join('+')}`).join(' ')}`);
    const under = report.partitions.filter((p) => p.isr.length < p.replicas.length);
    if (under.length > 0) lines.push(`  UNDER-REPLICATED: ${under.map((p) => `${p.partition} (${p.isr.length} of ${p.replicas.length} in sync)`).join(', ')}`);
    const leaderless = report.partitions.filter((p) => p.leader < 0);
    if (leaderless.length > 0) lines.push(`  NO LEADER: ${leaderless.map((p) => p.partition).join(', ')}`);
    for (const group of report.groups) lines.push(`  group ${group.groupId}: lag ${group.lag}`);
  }
  for (const topic of missing) lines.push(`${topic}  (does not exist yet)`);
  return lines.join('\n');
}
