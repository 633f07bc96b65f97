import fs from 'node:fs';
import { createKafka } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { PrivateCluster, readTopic, startPrivateCluster, topicRecordCount, waitFor } from '@streamtally/test-support';
import { generateUserLog } from '../src/sample-data/generator';
import { createHarness, tempFile } from './support/producer-harness';

// On a three-broker cluster (replication 3, min.insync.replicas 2, the defaults there), the
// broker leading input partitions is SIGKILLed mid-replay and started again, twice: the topic
// must end with every row exactly once. scripts/chaos/producer-broker-kills.sh runs the same
// test longer (CHAOS_ROWS rows, CHAOS_KILLS kills, CHAOS_RATE rows/s). Before per-partition sends, kafkajs's retry of a
// request spanning brokers could write a partition twice (or drop one) when leaders moved.
describe('producer on a three-broker cluster', () => {
  let cluster: PrivateCluster;
  beforeAll(async () => {
    cluster = await startPrivateCluster(3);
  }, 180_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  const rows = Number(process.env.CHAOS_ROWS ?? 30_000);
  const kills = Number(process.env.CHAOS_KILLS ?? 2);
  const rate = process.env.CHAOS_RATE ?? '4000';

  it(
    `kill -9 of partition leaders mid-replay, ${kills} times: every row exactly once, replicated 3 times`,
    async () => {
      const file = tempFile('cluster.csv', [...generateUserLog({ rows, seed: 33 })].join('\n'));
      const { app, config, kafka } = createHarness(cluster.brokers, { INPUT_FILE: file, PACE: 'fixed', RATE: rate, BATCH_SIZE: '500' });
      const admin = createKafka({ brokers: cluster.brokers, clientId: 'cluster-test', logger: silentLogger() }).admin();
      await admin.connect();
      const leaderOf = async (partition: number) =>
        (await admin.fetchTopicMetadata({ topics: [config.INPUT_TOPIC] })).topics[0]!.partitions.find((p) => p.partitionId === partition)!.leader;
      try {
        let sent = 0;
        const replaying = app.replay(new AbortController().signal, { onEvents: (count) => (sent += count) });
        // kills spread over the replay, each at the leader of the next partition in turn
        for (let kill = 0; kill < kills; kill += 1) {
          const threshold = Math.floor(((kill + 0.6) / (kills + 0.5)) * rows);
          const partition = kill % 3;
          await waitFor(() => sent > threshold, { what: `${threshold} rows replayed`, timeoutMs: 120_000 });
          const leader = await leaderOf(partition);
          await cluster.kill(leader);
          await waitFor(async () => (await leaderOf(partition)) !== leader && (await leaderOf(partition)) >= 0, { what: 'a new leader', timeoutMs: 30_000 });
          await cluster.startNode(leader);
        }
        const summary = await replaying;
        expect(summary.events).toBe(rows);

        const { topics } = await admin.fetchTopicMetadata({ topics: [config.INPUT_TOPIC] });
        expect(topics[0]!.partitions.every((p) => p.replicas.length === 3)).toBe(true);
        const records = await readTopic(kafka, config.INPUT_TOPIC, rows, 120_000);
        const lines = records.map((r) => JSON.parse(r.value!).line as number);
        expect(new Set(lines).size).toBe(rows);
        expect(await topicRecordCount(kafka, config.INPUT_TOPIC)).toBe(rows);
      } finally {
        await admin.disconnect();
        await app.close();
        fs.rmSync(file);
      }
    },
    Number(process.env.CHAOS_TIMEOUT_MS ?? 300_000),
  );
});
