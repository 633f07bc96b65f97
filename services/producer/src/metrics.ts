import { USER_LOG_COLUMNS, type ProblemCode } from '@streamtally/contracts';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ProducerMetrics {
  events: Counter;
  bytes: Counter;
  deadLetters: Counter<'reason'>;
  textLines: Counter;
  refusedConnections: Counter;
  sendDuration: Histogram;
  sendErrors: Counter;
  rate: Gauge;
}

/** Every metric the producer exports, on the registry it is given. */
export function createProducerMetrics(registry: Registry): ProducerMetrics {
  const registers = [registry];
  const metrics: ProducerMetrics = {
    events: new Counter({ name: 'streamtally_producer_events_total', help: 'Events acknowledged by Kafka', registers }),
    bytes: new Counter({ name: 'streamtally_producer_bytes_total', help: 'Record bytes (key + value) acknowledged by Kafka', registers }),
    deadLetters: new Counter({
      name: 'streamtally_producer_dead_letters_total',
      help: 'Bad rows or lines sent to the dead-letter topic, by reason',
      labelNames: ['reason'],
      registers,
    }),
    textLines: new Counter({ name: 'streamtally_producer_text_lines_total', help: 'Text lines read from TCP or stdin', registers }),
    refusedConnections: new Counter({
      name: 'streamtally_producer_refused_connections_total',
      help: 'Text-line TCP connections refused past LISTEN_MAX_CONNECTIONS',
      registers,
    }),
    sendDuration: new Histogram({
      name: 'streamtally_producer_send_duration_seconds',
      help: 'Time from handing a batch to Kafka until acks=all came back',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    sendErrors: new Counter({ name: 'streamtally_producer_send_errors_total', help: 'Failed batch sends (each is retried)', registers }),
    rate: new Gauge({ name: 'streamtally_producer_rate_events_per_second', help: 'Events acknowledged per second, over the last second', registers }),
  };
  // every reason exists from the start, so dashboards and alerts see zeros rather than nothing
  for (const reason of DEAD_LETTER_REASONS) metrics.deadLetters.inc({ reason }, 0);
  return metrics;
}

/** Every problem code a producer dead letter can carry (the metric's reason label). */
export const DEAD_LETTER_REASONS: readonly ProblemCode[] = [
  'undecodable',
  'too_long',
  'too_large_for_topic',
  'column_count',
  'unclosed_quote',
  'bad_quote',
  'control_character',
  'bad_header',
  ...USER_LOG_COLUMNS.map((column) => `bad_${column}` as const),
];
