#!/usr/bin/env node
// Dashboards as code: `node grafana/dashboards.mjs` writes grafana/dashboards/*.json from
// the definitions below. The deployment tests check the JSON is what this prints.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DATASOURCE = { type: 'prometheus', uid: 'streamtally-prometheus' };
const GENDER_NAMES = { 0: 'female', 1: 'male', 2: 'unknown' };
const ACTION_NAMES = { 0: 'click', 1: 'add to cart', 2: 'purchase', 3: 'favourite' };

function renames(names) {
  return Object.entries(names).map(([key, name]) => ({
    matcher: { id: 'byName', options: key },
    properties: [{ id: 'displayName', value: name }],
  }));
}

function panel(id, title, targets, { type = 'timeseries', unit = 'short', x = 0, y = 0, w = 12, h = 8, overrides = [], description } = {}) {
  return {
    id,
    title,
    type,
    description,
    datasource: DATASOURCE,
    gridPos: { x, y, w, h },
    fieldConfig: { defaults: { unit }, overrides },
    options: type === 'timeseries' ? { legend: { displayMode: 'list', placement: 'bottom' } } : {},
    targets: targets.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr, legendFormat })),
  };
}

function dashboard(uid, title, panels) {
  return {
    uid,
    title,
    tags: ['streamtally'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '5s',
    time: { from: 'now-15m', to: 'now' },
    panels,
  };
}

export const dashboards = {
  'operations.json': dashboard('streamtally-operations', 'streamtally — operations', [
    panel(
      1,
      'Events per second through each stage',
      [
        ['sum(rate(streamtally_producer_events_total[1m]))', 'produced'],
        ['sum(rate(streamtally_aggregator_records_total[1m]))', 'aggregated'],
        ['sum(rate(streamtally_aggregator_results_total[1m]))', 'results written'],
        ['sum(rate(streamtally_gateway_results_consumed_total[1m]))', 'results read by gateways'],
      ],
      { unit: 'ops', x: 0, y: 0 },
    ),
    panel(2, 'Consumer lag (records behind)', [['sum by (topic, partition) (streamtally_aggregator_consumer_lag)', '{{topic}}/{{partition}}']], {
      x: 12,
      y: 0,
    }),
    panel(
      3,
      'Checkpoint latency',
      [
        ['histogram_quantile(0.5, sum by (le) (rate(streamtally_aggregator_checkpoint_duration_seconds_bucket[1m])))', 'p50'],
        ['histogram_quantile(0.99, sum by (le) (rate(streamtally_aggregator_checkpoint_duration_seconds_bucket[1m])))', 'p99'],
      ],
      { unit: 's', x: 0, y: 8 },
    ),
    panel(4, 'Checkpoint failures per second', [['sum by (reason) (rate(streamtally_aggregator_checkpoint_failures_total[1m]))', '{{reason}}']], {
      unit: 'ops',
      x: 12,
      y: 8,
    }),
    panel(
      5,
      'Late and dead-lettered events per second',
      [
        ['sum by (aggregation) (rate(streamtally_aggregator_late_events_total[1m]))', 'late: {{aggregation}}'],
        ['sum(rate(streamtally_producer_dead_letters_total[1m]))', 'bad rows (producer)'],
        ['sum(rate(streamtally_aggregator_dead_letters_total[1m]))', 'bad records (aggregator)'],
      ],
      { unit: 'ops', x: 0, y: 16 },
    ),
    panel(6, 'Watermark lag', [['max by (aggregation) (streamtally_aggregator_watermark_lag_seconds)', '{{aggregation}}']], { unit: 's', x: 12, y: 16 }),
    panel(7, 'WebSocket clients', [['sum(streamtally_gateway_clients)', 'connected']], { x: 0, y: 24, w: 8 }),
    panel(
      8,
      'WebSocket slow clients',
      [
        ['sum(rate(streamtally_gateway_updates_coalesced_total[1m]))', 'updates coalesced/s'],
        ['sum(rate(streamtally_gateway_slow_clients_closed_total[1m]))', 'closed (1013)/s'],
      ],
      { unit: 'ops', x: 8, y: 24, w: 8 },
    ),
    panel(
      9,
      'Event-to-screen latency (written to Kafka → handed to browsers)',
      [
        ['histogram_quantile(0.99, sum by (aggregation, le) (rate(streamtally_gateway_event_to_screen_seconds_bucket[1m])))', 'p99 {{aggregation}}'],
        ['histogram_quantile(0.5, sum by (le) (rate(streamtally_gateway_event_to_screen_seconds_bucket[1m])))', 'p50 all jobs'],
        ['max(streamtally_aggregator_emit_interval_seconds)', 'longest emit interval'],
      ],
      {
        unit: 's',
        x: 16,
        y: 24,
        w: 8,
        description:
          "From the Kafka write of the oldest input event new in a result until the gateway handed that result to its clients. A job's p99 stays within its emit interval plus about 250 ms when the pipeline keeps up; alert StreamtallyEventToScreenSlow fires past its interval plus 1 s.",
      },
    ),
    panel(
      11,
      'Result delivery (emitted → gateway → sent)',
      [
        ['histogram_quantile(0.99, sum by (le) (rate(streamtally_gateway_result_age_seconds_bucket[1m])))', 'p99 emitted → gateway'],
        ['histogram_quantile(0.99, sum by (le) (rate(streamtally_gateway_result_to_send_seconds_bucket[1m])))', 'p99 gateway fan-out'],
      ],
      { unit: 's', x: 0, y: 32, w: 24 },
    ),
    panel(10, 'Services up', [['up{job=~"producer|aggregator|gateway"}', '{{job}} {{instance}}']], { type: 'stat', x: 0, y: 40, w: 24, h: 4 }),
  ]),
  'business.json': dashboard('streamtally-business', 'streamtally — shoppers', [
    panel(
      1,
      'Shoppers per gender per second',
      [['sum by (key) (rate(streamtally_aggregator_window_counts_total{aggregation="gender-per-second"}[1m]))', '{{key}}']],
      {
        x: 0,
        y: 0,
        w: 24,
        h: 10,
        overrides: renames(GENDER_NAMES),
        description: 'The original chart: clicks, carts, purchases and favourites per second, by gender (averaged over a minute).',
      },
    ),
    panel(2, 'Actions per second', [['sum by (key) (rate(streamtally_aggregator_window_counts_total{aggregation="actions-per-second"}[1m]))', '{{key}}']], {
      x: 0,
      y: 10,
      w: 12,
      overrides: renames(ACTION_NAMES),
    }),
    panel(3, 'Top provinces, last 60 s', [['topk(10, max by (key) (streamtally_aggregator_latest_final_count{aggregation="provinces-60s"}))', '{{key}}']], {
      type: 'bargauge',
      x: 12,
      y: 10,
      w: 12,
    }),
    panel(
      4,
      'Shoppers since start, by gender',
      [['sum by (key) (increase(streamtally_aggregator_window_counts_total{aggregation="gender-per-second"}[24h]))', '{{key}}']],
      { type: 'stat', x: 0, y: 18, w: 24, h: 5, overrides: renames(GENDER_NAMES) },
    ),
  ]),
};

export function render(name) {
  return JSON.stringify(dashboards[name], null, 2) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboards');
  if (process.argv[2] === '--check') {
    // exit 1 when a committed dashboard differs from what the definitions above give
    const stale = Object.keys(dashboards).filter((name) => fs.readFileSync(path.join(dir, name), 'utf8') !== render(name));
    process.stdout.write(stale.length ? `out of date: ${stale.join(', ')}; run node grafana/dashboards.mjs\n` : 'dashboards up to date\n');
    process.exit(stale.length ? 1 : 0);
  }
  for (const name of Object.keys(dashboards)) fs.writeFileSync(path.join(dir, name), render(name));
  process.stdout.write(`wrote ${Object.keys(dashboards).join(', ')} to ${dir}\n`);
}
