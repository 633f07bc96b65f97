import { setting } from '@streamtally/service-config';
import { DEFAULT_TOPIC_PARTITIONS, type TopicSettings } from './topic-plan';

/** The topic settings of the services that create or check topics, keyed by environment variable. */
export const topicSettingsShape = {
  /** false: the topics are provisioned by someone else (GitOps, Strimzi, Terraform); the service only checks them */
  TOPICS_CREATE: setting.flag().default(true),
  /** partitions of the topics it creates */
  TOPIC_PARTITIONS: setting.integer(1, 1000).default(DEFAULT_TOPIC_PARTITIONS),
  /** with TOPICS_CREATE=false: the fewest partitions each topic must have (a consumer group uses at most one instance per partition) */
  TOPIC_MIN_PARTITIONS: setting.integer(1, 1000).default(1),
  /** copies of each partition of the topics it creates (default: by the cluster's size) */
  TOPIC_REPLICATION_FACTOR: setting.integer(1, 32).optional(),
  TOPIC_MIN_INSYNC_REPLICAS: setting.integer(1, 32).optional(),
};

export interface TopicSettingsConfig {
  TOPICS_CREATE: boolean;
  TOPIC_PARTITIONS: number;
  TOPIC_MIN_PARTITIONS: number;
  TOPIC_REPLICATION_FACTOR?: number;
  TOPIC_MIN_INSYNC_REPLICAS?: number;
}

export function topicSettingsOf(config: TopicSettingsConfig): TopicSettings {
  return {
    create: config.TOPICS_CREATE,
    partitions: config.TOPIC_PARTITIONS,
    minPartitions: config.TOPIC_MIN_PARTITIONS,
    replicationFactor: config.TOPIC_REPLICATION_FACTOR,
    minInsyncReplicas: config.TOPIC_MIN_INSYNC_REPLICAS,
  };
}
