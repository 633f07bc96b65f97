import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import type { WindowResult } from '@streamtally/contracts';
import { createKafka } from '@streamtally/kafka-client';
import { silentLogger } from '@streamtally/observability';
import { PrivateCluster, startPrivateCluster, testRedisUrl, uniqueName, waitFor } from '@streamtally/test-support';
import { GENDER_JOBS, GENDER_RECOUNT, LatestResults, recount, replayGeneratedInput, ServiceProcess, startService } from '../src';

// The producer and the aggregator as processes on a three-broker cluster (replication 3,
// min.insync.replicas 2). Mid-run, the broker leading input partition 0 is SIGKILLed
// (leaders move; the group coordinator may move with it) and later started again: every final
// window still equals an independent recount of the input topic.
const EVENTS = 200_000;
const JOBS = GENDER_JOBS;
const RECOUNT = GENDER_RECOUNT;

describe('the pipeline on a three-broker cluster', () => {
  let cluster: PrivateCluster;
  let aggregator: ServiceProcess | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'on-cluster-'));
  const run = uniqueName('on-cluster');
  const redis = new Redis(testRedisUrl());

  beforeAll(async () => {
    cluster = await startPrivateCluster(3);
  }, 180_000);
  afterAll(async () => {
    await aggregator?.kill('SIGKILL');
    const keys = await redis.keys(`st:{${run}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await cluster?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('kill -9 of a broker mid-run: final windows equal the recount', async () => {
    const brokers = cluster.brokers.join(',');
    const inputTopic = `${run}-actions`;
    const events = await replayGeneratedInput({ brokers: cluster.brokers, topic: inputTopic, rows: EVENTS, seed: 5, dir });
    const kafka = createKafka({ brokers: cluster.brokers, clientId: run, logger: silentLogger() });
    expect(events).toHaveLength(EVENTS);
    const expected = recount(events, RECOUNT);

    const resultsTopic = `${run}-results`;
    aggregator = startService('aggregator', {
      KAFKA_BROKERS: brokers,
      REDIS_URL: testRedisUrl(),
      JOBS: JSON.stringify(JOBS.map((j) => ({ ...j, source: inputTopic }))),
      STATE_NAMESPACE: run,
      CONSUMER_GROUP: `${run}-group`,
      RESULTS_TOPIC: resultsTopic,
      LATE_EVENTS_TOPIC: `${run}-late`,
      DEAD_LETTER_TOPIC: `${run}-dlq`,
      IDLE_TIMEOUT_MS: '1000',
      SESSION_TIMEOUT_MS: '6000',
      EMIT_TICK_MS: '50',
      FETCH_MAX_BYTES_PER_PARTITION: '65536', // the smallest fetches: the kill lands mid-run
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    const counted = async () => {
      let total = 0;
      for (let p = 0; p < 6; p += 1) total += Number((await redis.hget(`st:{${run}}:part:${inputTopic}:${p}`, 'offset')) ?? 0);
      return total;
    };
    await waitFor(async () => (await counted()) > EVENTS / 5 || undefined, { what: 'a fifth counted', timeoutMs: 60_000 }).catch((err) => {
      throw new Error(`${(err as Error).message}\naggregator output:\n${aggregator!.output().slice(-3000)}`);
    });
    const admin = kafka.admin();
    await admin.connect();
    const leader = (await admin.fetchTopicMetadata({ topics: [inputTopic] })).topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
    await admin.disconnect();
    await cluster.kill(leader);
    const atKill = await counted();
    expect(atKill).toBeLessThan(EVENTS);
    await waitFor(async () => (await counted()) > atKill || undefined, { what: 'counting going on without the broker', timeoutMs: 60_000 });
    await cluster.startNode(leader);

    const latest = new LatestResults();
    const reader = kafka.consumer({ groupId: uniqueName('results-reader'), maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topic: resultsTopic, fromBeginning: true });
    await reader.run({
      autoCommit: false,
      eachMessage: async ({ message }) => latest.offer(String(message.key), JSON.parse(String(message.value)) as WindowResult),
    });
    try {
      await waitFor(() => latest.complete(expected), { what: 'every window final', timeoutMs: 120_000 }).catch((err) => {
        throw new Error(`${(err as Error).message}\n${latest.describeGaps(expected)}\naggregator output:\n${aggregator!.output().slice(-3000)}`);
      });
    } finally {
      await reader.disconnect();
    }
    expect(latest.counts()).toEqual(expected);
  }, 300_000);
});
