import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  createKafkaClientMetrics,
  createProducer,
  instrumentProducer,
  recordClientEvents,
  type Kafka,
  KafkaRequestError,
  type Producer,
  REQUEST_TIMEOUT_MS,
  ServiceTopics,
  type TopicNeed,
  topicSettingsOf,
} from '@streamtally/kafka-client';
import type { HealthReport } from '@streamtally/observability';
import type { ProducerConfig } from '../config';
import { DeliveryStatus } from '../delivery-status';
import type { ProducerMetrics } from '../metrics';
import type { DeliveryOptions } from '../replay/batch-sender';
import { kafkaSender } from './kafka-send';

/**
 * Where the producer's batches go: its topics (created or checked at start), one idempotent
 * Kafka producer, and what has been acknowledged so far (metrics and /healthz).
 */
export class KafkaOutput {
  private readonly producer: Producer;
  private readonly topics: ServiceTopics;
  private readonly status: DeliveryStatus;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly config: ProducerConfig,
    private readonly logger: Logger,
    metrics: ProducerMetrics,
    registry: Registry,
  ) {
    this.producer = createProducer(kafka, {
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // kafkajs retries a few times itself; BatchSender retries the same batch after that
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    instrumentProducer(this.producer, recordClientEvents(createKafkaClientMetrics(registry), 'producer'));
    this.topics = new ServiceTopics(kafka, { timeoutMs: config.BROKER_TIMEOUT_MS, settings: topicSettingsOf(config), logger });
    this.status = new DeliveryStatus(metrics, [...new Set([config.INPUT_TOPIC, config.TEXT_TOPIC])]);
  }

  /** Creates (or checks) the topics and connects; returns each one's max.message.bytes. */
  async prepare(needs: TopicNeed[]): Promise<Map<string, number>> {
    await this.topics.prepare(needs);
    await this.producer.connect();
    this.connected = true;
    this.status.startRate();
    return new Map(needs.map((need) => [need.topic, this.topics.maxMessageBytesOf(need.topic)]));
  }

  /** How every batch goes to Kafka, retried until acknowledged, with its metrics. */
  delivery(signal: AbortSignal): DeliveryOptions {
    const { status } = this;
    return {
      send: kafkaSender(this.producer, REQUEST_TIMEOUT_MS, this.topics),
      logger: this.logger,
      // both senders fail with a KafkaRequestError: its `retriable` says whether to send again
      isRetriable: (err) => !(err instanceof KafkaRequestError) || err.retriable,
      signal,
      giveUpAfterAbortMs: this.config.SHUTDOWN_GRACE_MS,
      onSent: (batch, seconds) => status.sent(batch, seconds),
      onSendError: (err) => status.failed(err),
    };
  }

  health(): HealthReport {
    const { connected, status } = this;
    return {
      healthy: connected && status.lastSendError === undefined,
      details: { connected, lastSendError: status.lastSendError ?? null, eventsAcknowledged: status.acknowledged },
    };
  }

  async close(): Promise<void> {
    this.status.stop();
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
