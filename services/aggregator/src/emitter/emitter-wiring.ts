import type { Logger } from 'pino';
import type { Producer, ServiceTopics } from '@streamtally/kafka-client';
import { kafkaResultPublisher } from '../adapters/kafka-outputs';
import { minReplicasOf, type AggregatorConfig } from '../config';
import type { Assignment } from '../consumer/assignment';
import type { Job } from '../jobs/job-schema';
import { type AggregatorMetrics, emitterMetricsOf } from '../metrics';
import type { RedisState } from '../state/redis-state';
import { replicaWait } from './replica-wait';
import { ResultEmitter } from './result-emitter';

export interface EmitterParts {
  config: AggregatorConfig;
  jobs: readonly Job[];
  logger: Logger;
  state: RedisState;
  metrics: AggregatorMetrics;
  topics: ServiceTopics;
  producer: Producer;
  assignment: Assignment;
}

/** Emits from committed state, on the instance the assignment names, once the replicas have it. */
export function resultEmitter({ config, jobs, logger, state, metrics, topics, producer, assignment }: EmitterParts): ResultEmitter {
  const replicas = replicaWait(state, { minReplicas: minReplicasOf(config), timeoutMs: config.REDIS_REPLICA_TIMEOUT_MS }, (replicas) =>
    metrics.stateReplicas.set(replicas),
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
    metrics: emitterMetricsOf(metrics),
    logger: logger.child({ component: 'emitter' }),
  });
}
