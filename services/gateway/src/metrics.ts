import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HubMetrics } from './domain/hub-metrics';

/** Jobs with an event-to-screen series of their own; any further name on the topic shares `other`. */
export const MAX_LATENCY_SERIES = 32;

/** Every metric the gateway exports, on the registry it is given. */
export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  const metrics = {
    clients: new Gauge({ name: 'streamtally_gateway_clients', help: 'WebSocket clients connected', registers }),
    sendBufferPeak: new SendBufferPeak(registers),
    messagesSent: new Counter({ name: 'streamtally_gateway_messages_sent_total', help: 'Frames sent to WebSocket clients', registers }),
    coalesced: new Counter({
      name: 'streamtally_gateway_updates_coalesced_total',
      help: 'Updates held back for a slow client and replaced by a newer one or sent later',
      registers,
    }),
    slowClosed: new Counter({
      name: 'streamtally_gateway_slow_clients_closed_total',
      help: 'Clients closed with 1013 because their send buffer passed the hard bound',
      registers,
    }),
    protocolClosed: new Counter({
      name: 'streamtally_gateway_protocol_clients_closed_total',
      help: 'Clients closed with 1008 for their messages: repeated invalid ones, too many per second, too many subscriptions',
      registers,
    }),
    refused: new Counter({ name: 'streamtally_gateway_connections_refused_total', help: 'WebSocket upgrades refused', labelNames: ['reason'], registers }),
    resultsConsumed: new Counter({
      name: 'streamtally_gateway_results_consumed_total',
      help: 'Results read from the results topic',
      labelNames: ['outcome'],
      registers,
    }),
    fanOutLatency: new Histogram({
      name: 'streamtally_gateway_result_to_send_seconds',
      help: 'Time from a result being consumed until it was handed to the last subscriber',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    eventToScreen: new Histogram({
      name: 'streamtally_gateway_event_to_screen_seconds',
      help: 'Time from the oldest input event new in a result being written to Kafka until the gateway handed the result to its clients (results that say when, inputWrittenAt, emitted since the gateway started)',
      labelNames: ['aggregation'],
      // fine around the usual 0.2-0.5 s, so quantiles interpolated from them stay close
      buckets: [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.75, 1, 1.5, 2, 3, 5, 10, 30],
      registers,
    }),
    resultAge: new Histogram({
      name: 'streamtally_gateway_result_age_seconds',
      help: 'Age of a result (since the aggregator emitted it) when the gateway consumed it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
  return metrics;
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** Creates every labelled series at zero, so dashboards and alerts see them from the start. */
export function initialiseSeries(metrics: GatewayMetrics): void {
  for (const outcome of ['new', 'updated', 'stale']) metrics.resultsConsumed.inc({ outcome }, 0);
  for (const reason of ['origin', 'capacity', 'unauthorized']) metrics.refused.inc({ reason }, 0);
}

/** The hub's reports, as the gateway's prom-client series. Job names come from the topic: a series per name is bounded. */
export function hubMetricsOf(metrics: GatewayMetrics): HubMetrics {
  const latencyLabels = new Set<string>();
  return {
    clients: (count) => metrics.clients.set(count),
    resultConsumed(offer, ageSeconds) {
      metrics.resultsConsumed.inc({ outcome: offer });
      metrics.resultAge.observe(ageSeconds);
    },
    framesSent: (count) => metrics.messagesSent.inc(count),
    sendBuffer: (bytes) => metrics.sendBufferPeak.saw(bytes),
    coalesced: () => metrics.coalesced.inc(),
    fannedOut: (seconds) => metrics.fanOutLatency.observe(seconds),
    eventToScreen(job, seconds) {
      if (!latencyLabels.has(job) && latencyLabels.size < MAX_LATENCY_SERIES) latencyLabels.add(job);
      metrics.eventToScreen.observe({ aggregation: latencyLabels.has(job) ? job : 'other' }, seconds);
    },
    protocolClosed: () => metrics.protocolClosed.inc(),
    slowClosed: () => metrics.slowClosed.inc(),
  };
}

/**
 * The largest send buffer of any client since the last scrape, in bytes: how close clients
 * come to HARD_BUFFER_BYTES (where a client is closed) before it happens. Kept as a plain
 * number on the hot path; the gauge takes it, and starts again, when /metrics is read.
 */
class SendBufferPeak {
  private peak = 0;

  constructor(registers: Registry[]) {
    const gauge: Gauge = new Gauge({
      name: 'streamtally_gateway_send_buffer_peak_bytes',
      help: 'The largest client send buffer since the last scrape (bytes queued, not yet taken by the kernel)',
      registers,
      collect: () => {
        gauge.set(this.peak);
        this.peak = 0;
      },
    });
  }

  saw(bytes: number): void {
    if (bytes > this.peak) this.peak = bytes;
  }
}
