import { Partitioners, type Kafka, type Producer, type ProducerConfig } from 'kafkajs';

/** ACLs, for tools and tests that grant them */
export { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';

/**
 * The one door to kafkajs. Services and tests take its types and producers from here, never
 * from 'kafkajs' itself (a lint rule holds this), so the patched fork (patches/, see
 * patches/KAFKAJS-FORK.md) and its version are this package's concern alone.
 */
export type {
  AclEntry,
  Admin,
  Consumer,
  EachBatchPayload,
  ITopicConfig,
  Kafka,
  KafkaMessage,
  Message,
  Producer,
  ProducerConfig,
  RecordMetadata,
} from 'kafkajs';

/**
 * A producer that places keys as Kafka's Java client does (murmur2, kafkajs's
 * DefaultPartitioner): the same key lands on the same partition whoever writes it.
 */
export function createProducer(kafka: Kafka, config: Omit<ProducerConfig, 'createPartitioner'> = {}): Producer {
  return kafka.producer({ ...config, createPartitioner: Partitioners.DefaultPartitioner });
}
