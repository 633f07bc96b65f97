import type { Consumer, Producer } from 'kafkajs';
import { Counter, Histogram, Registry } from 'prom-client';

export interface KafkaClientMetrics {
  requestDuration: Histogram<'client' | 'api'>;
  rebalances: Counter<'client'>;
  crashes: Counter<'client'>;
}

/** kafkajs client-level metrics, registered on the service's registry. */
export function createKafkaClientMetrics(registry: Registry): KafkaClientMetrics {
  return {
    requestDuration: new Histogram({
      name: 'streamtally_kafka_request_duration_seconds',
      help: 'Kafka request round-trip time as seen by kafkajs',
      labelNames: ['client', 'api'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    rebalances: new Counter({
      name: 'streamtally_kafka_consumer_rebalances_total',
      help: 'Consumer group joins (each rebalance ends with one)',
      labelNames: ['client'],
      registers: [registry],
    }),
    crashes: new Counter({
      name: 'streamtally_kafka_consumer_crashes_total',
      help: 'Consumer crashes reported by kafkajs (it restarts after retriable ones)',
      labelNames: ['client'],
      registers: [registry],
    }),
  };
}

export function instrumentConsumer(consumer: Consumer, metrics: KafkaClientMetrics, client: string): void {
  consumer.on(consumer.events.REQUEST, (e) => {
    metrics.requestDuration.observe({ client, api: e.payload.apiName }, e.payload.duration / 1000);
  });
  consumer.on(consumer.events.GROUP_JOIN, () => metrics.rebalances.inc({ client }));
  consumer.on(consumer.events.CRASH, () => metrics.crashes.inc({ client }));
}

export function instrumentProducer(producer: Producer, metrics: KafkaClientMetrics, client: string): void {
  producer.on(producer.events.REQUEST, (e) => {
    metrics.requestDuration.observe({ client, api: e.payload.apiName }, e.payload.duration / 1000);
  });
}
