import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { type DashboardBuilder, type Panel, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { jobVariable, statPanel, streamtallyDashboard, timeseriesPanel } from './panels';

/** Per-job series follow the dashboard's job variable. */
const JOB = 'aggregation=~"$aggregation"';

/** The pipeline's health: a row per service, per-job panels filtered by the job variable. */
export function operationsDashboard(): DashboardBuilder {
  const dashboard = streamtallyDashboard('streamtally-operations', 'streamtally — operations').withVariable(jobVariable());
  for (const [row, panels] of [
    ['Pipeline', pipelinePanels()],
    ['Producer', producerPanels()],
    ['Aggregator', aggregatorPanels()],
    ['Gateway', gatewayPanels()],
  ] as const) {
    dashboard.withRow(new RowBuilder(row));
    for (const panel of panels) dashboard.withPanel(panel);
  }
  return dashboard;
}

function pipelinePanels(): cog.Builder<Panel>[] {
  const stages = [
    ['sum(rate(streamtally_producer_events_total[1m]))', 'produced'],
    ['sum(rate(streamtally_aggregator_records_total[1m]))', 'aggregated'],
    ['sum(rate(streamtally_aggregator_results_total[1m]))', 'results written'],
    ['sum(rate(streamtally_gateway_results_consumed_total[1m]))', 'results read by gateways'],
  ] as const;
  return [
    timeseriesPanel('Events per second through each stage', stages, { unit: 'ops' }),
    statPanel('Services up', [['up{job=~"producer|aggregator|gateway"}', '{{job}} {{instance}}']]),
  ];
}

function producerPanels(): cog.Builder<Panel>[] {
  const deadLetters = [
    ['sum(rate(streamtally_producer_dead_letters_total[1m]))', 'bad rows (producer)'],
    ['sum(rate(streamtally_aggregator_dead_letters_total[1m]))', 'bad records (aggregator)'],
  ] as const;
  return [timeseriesPanel('Dead-lettered rows per second', deadLetters, { unit: 'ops', w: 24 })];
}

function aggregatorPanels(): cog.Builder<Panel>[] {
  const checkpoint = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(streamtally_aggregator_checkpoint_duration_seconds_bucket[1m])))`;
  return [
    timeseriesPanel('Consumer lag (records behind)', [['sum by (topic, partition) (streamtally_aggregator_consumer_lag)', '{{topic}}/{{partition}}']]),
    timeseriesPanel(
      'Checkpoint latency',
      [
        [checkpoint(0.5), 'p50'],
        [checkpoint(0.99), 'p99'],
      ],
      { unit: 's' },
    ),
    timeseriesPanel('Checkpoint failures per second', [['sum by (reason) (rate(streamtally_aggregator_checkpoint_failures_total[1m]))', '{{reason}}']], {
      unit: 'ops',
    }),
    timeseriesPanel('Late events per second', [[`sum by (aggregation) (rate(streamtally_aggregator_late_events_total{${JOB}}[1m]))`, '{{aggregation}}']], {
      unit: 'ops',
    }),
    timeseriesPanel('Watermark lag', [[`max by (aggregation) (streamtally_aggregator_watermark_lag_seconds{${JOB}})`, '{{aggregation}}']], {
      unit: 's',
      w: 12,
    }),
    timeseriesPanel(
      'Jobs backfilling (records still to count)',
      [
        [`max by (aggregation) (streamtally_aggregator_job_records_behind{${JOB}})`, '{{aggregation}}'],
        [`max by (aggregation) (streamtally_aggregator_job_backfill_eta_seconds{${JOB}})`, 'seconds left {{aggregation}}'],
      ],
      {
        w: 12,
        description:
          'A job added or changed on a running pipeline counts its source from startFrom on the catch-up reader while the others stay live: the records it still has to count and the estimated seconds left (0: live).',
      },
    ),
  ];
}

function gatewayPanels(): cog.Builder<Panel>[] {
  const screen = (q: number, by: string) => `histogram_quantile(${q}, sum by (${by}) (rate(streamtally_gateway_event_to_screen_seconds_bucket{${JOB}}[1m])))`;
  const delivery = (metric: string) => `histogram_quantile(0.99, sum by (le) (rate(${metric}[1m])))`;
  return [
    timeseriesPanel('WebSocket clients', [['sum(streamtally_gateway_clients)', 'connected']], { w: 8 }),
    timeseriesPanel(
      'WebSocket slow clients',
      [
        ['sum(rate(streamtally_gateway_updates_coalesced_total[1m]))', 'updates coalesced/s'],
        ['sum(rate(streamtally_gateway_slow_clients_closed_total[1m]))', 'closed (1013)/s'],
      ],
      { unit: 'ops', w: 8 },
    ),
    timeseriesPanel(
      'Event-to-screen latency (written to Kafka → handed to browsers)',
      [
        [screen(0.99, 'aggregation, le'), 'p99 {{aggregation}}'],
        [screen(0.5, 'le'), 'p50 of the jobs shown'],
        [`max by (aggregation) (streamtally_aggregator_emit_interval_seconds{${JOB}})`, 'emit interval {{aggregation}}'],
      ],
      {
        unit: 's',
        w: 8,
        description:
          "From the Kafka write of the oldest input event new in a result until the gateway handed that result to its clients. A job's p99 stays within its emit interval plus about 250 ms when the pipeline keeps up; alert StreamtallyEventToScreenSlow fires past its interval plus 1 s.",
      },
    ),
    timeseriesPanel(
      'Result delivery (emitted → gateway → sent)',
      [
        [delivery('streamtally_gateway_result_age_seconds_bucket'), 'p99 emitted → gateway'],
        [delivery('streamtally_gateway_result_to_send_seconds_bucket'), 'p99 gateway fan-out'],
      ],
      { unit: 's', w: 24 },
    ),
  ];
}
