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

/**
 * What kafkajs reports that these metrics count: a request's round trip, a group join, a
 * crash. As plain data, so a client on another thread (the aggregator's catch-up reader) can
 * post its events to the thread that owns the registry.
 */
export type KafkaClientEvent = { kind: 'request'; api: string; seconds: number } | { kind: 'rebalance' } | { kind: 'crash' };

/** Where a client's events go: recorded on a registry here, or posted to the thread that has one. */
export type KafkaClientEventSink = (event: KafkaClientEvent) => void;

/** A client's events recorded on the metrics, labelled with `client`. */
export function recordClientEvents(metrics: KafkaClientMetrics, client: string): KafkaClientEventSink {
  return (event) => {
    if (event.kind === 'request') metrics.requestDuration.observe({ client, api: event.api }, event.seconds);
    else if (event.kind === 'rebalance') metrics.rebalances.inc({ client });
    else metrics.crashes.inc({ client });
  };
}

export function instrumentConsumer(consumer: Consumer, sink: KafkaClientEventSink): void {
  consumer.on(consumer.events.REQUEST, (e) => sink({ kind: 'request', api: e.payload.apiName, seconds: e.payload.duration / 1000 }));
  consumer.on(consumer.events.GROUP_JOIN, () => sink({ kind: 'rebalance' }));
  consumer.on(consumer.events.CRASH, () => sink({ kind: 'crash' }));
}

export function instrumentProducer(producer: Producer, sink: KafkaClientEventSink): void {
  producer.on(producer.events.REQUEST, (e) => sink({ kind: 'request', api: e.payload.apiName, seconds: e.payload.duration / 1000 }));
}
