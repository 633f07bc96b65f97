import type Redis from 'ioredis';
import type { BatchConsumer } from '@streamtally/kafka-client';
import type { HealthReport } from '@streamtally/observability';
import type { PartitionProcessor } from './consumer/partition-processor';
import type { Emitting } from './emitter/emitting';
import type { RunningJobs } from './jobs/running-jobs';

/** What /healthz looks at: the consumer, Redis, and once started what runs the jobs. */
export interface HealthSources {
  consumer: BatchConsumer;
  redis: Redis;
  running?: { processor: PartitionProcessor; emitting: Emitting; jobs: RunningJobs } | undefined;
}

/** Healthy while consuming, no partition stalled, Redis ready and no job failing to emit for STALL_TIMEOUT_MS. */
export function aggregatorHealth({ consumer, running, redis }: HealthSources, stallTimeoutMs: number): HealthReport {
  const stalled = running?.processor.stalledPartitions(stallTimeoutMs) ?? [];
  const emitter = running?.emitting.health(stallTimeoutMs) ?? { failingJobs: [], tickRunningMs: 0, lastError: null };
  const { failingJobs, tickRunningMs: emitTickMs } = emitter;
  const { liveness } = consumer;
  const working = stalled.length === 0 && failingJobs.length === 0 && emitTickMs < stallTimeoutMs && emitter.threadDown === undefined;
  return {
    healthy: running !== undefined && liveness.running && working && redis.status === 'ready',
    details: {
      running: liveness.running,
      ...liveness.describe(),
      redis: redis.status,
      ownedPartitions: running?.processor.ownedCount ?? 0,
      stalledPartitions: stalled,
      failingJobs,
      // a tick running this long is waiting on something that does not answer
      emitTickRunningMs: emitTickMs,
      // jobs another instance runs a changed definition of: this one's jobs file is outdated
      outdatedJobs: [...(running?.jobs.outdated ?? [])],
      lastEmitError: emitter.lastError,
      ...(emitter.threadDown !== undefined ? { emitterThreadDown: emitter.threadDown } : {}),
    },
  };
}
