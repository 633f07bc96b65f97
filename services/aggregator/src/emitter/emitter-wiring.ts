import type { Logger } from 'pino';
import type { PartitionOffsets, Producer } from '@streamtally/kafka-client';
import { kafkaResultPublisher, type TopicLayout } from '../adapters/kafka-outputs';
import { minReplicasOf, type AggregatorConfig } from '../config';
import type { Job } from '../jobs/job-schema';
import { emitterMetricsOf } from '../metrics';
import type { RedisState } from '../state/redis-state';
import type { EmitterSeries } from './emitter-series';
import { replicaWait } from './replica-wait';
import { ResultEmitter } from './result-emitter';

export interface EmitterParts {
  config: AggregatorConfig;
  jobs: readonly Job[];
  logger: Logger;
  state: RedisState;
  /** the aggregator's metrics, or on the emitter's thread a recording of them */
  series: EmitterSeries;
  /** each partition's offsets (ServiceTopics, prepared with offsets), and the results topic's partitions */
  topics: TopicLayout & { offsetsOf(topic: string): Promise<PartitionOffsets[]> };
  producer: Producer;
  /** who emits for a source (consumer/assignment.ts) */
  assignment: { isEmitterFor(topic: string): boolean };
}

/** Emits from committed state, on the instance the assignment names, once the replicas have it. */
export function resultEmitter({ config, jobs, logger, state, series, topics, producer, assignment }: EmitterParts): ResultEmitter {
  const replicas = replicaWait(state, { minReplicas: minReplicasOf(config), timeoutMs: config.REDIS_REPLICA_TIMEOUT_MS }, (replicas) =>
    series.stateReplicas.set({}, replicas),
  );
  return new ResultEmitter({
    state,
    jobs,
    topicOffsets: async (topic) =>
      (await topics.offsetsOf(topic)).map((o) => ({ partition: o.partition, startOffset: Number(o.start), endOffset: Number(o.end) })),
    publish: kafkaResultPublisher(producer, config.RESULTS_TOPIC, topics),
    isEmitterFor: (topic) => assignment.isEmitterFor(topic),
    ...(replicas ? { replicas } : {}),
    idleTimeoutMs: config.IDLE_TIMEOUT_MS,
    maxProvisionalWindows: config.MAX_PROVISIONAL_WINDOWS,
    maxFinalsPerEmit: config.MAX_FINALS_PER_EMIT,
    metrics: emitterMetricsOf(series),
    logger: logger.child({ component: 'emitter' }),
  });
}
