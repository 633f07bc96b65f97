export interface TopicReport {
  topic: string;
  partitions: { partition: number; leader: number; endOffset: string }[];
  groups: { groupId: string; lag: number }[];
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
        .map((p) => ({ partition: p.partitionId, leader: p.leader, endOffset: String(end.get(p.partitionId) ?? 0) }))
        .sort((a, b) => a.partition - b.partition),
      groups: lags,
    });
  }
  return reports;
}

/** Human-readable table of topic reports. Pure. */
export function formatTopicReports(reports: TopicReport[], missing: string[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    const total = report.partitions.reduce((sum, p) => sum + Number(p.endOffset), 0);
    lines.push(`${report.topic}  partitions=${report.partitions.length}  records=${total}`);
    lines.push(`  end offsets: ${report.partitions.map((p) => `${p.partition}:${p.endOffset}`).join(' ')}`);
    for (const group of report.groups) lines.push(`  group ${group.groupId}: lag ${group.lag}`);
  }
  for (const topic of missing) lines.push(`${topic}  (does not exist yet)`);
  return lines.join('\n');
}
import { type Admin } from '@streamtally/kafka-client';
