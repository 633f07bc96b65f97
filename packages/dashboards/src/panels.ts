import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/**
 * Every panel and query reads the dashboard's `datasource` variable, never a fixed uid: the
 * dashboards import into any Grafana, whatever its Prometheus data source is called.
 */
export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** A Prometheus data source to choose (the default one unless changed). */
export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus');
}

/** The aggregator's jobs as Prometheus has seen them (label `aggregation`), several or all. */
export function jobVariable(): dashboard.QueryVariableBuilder {
  const query = 'label_values(streamtally_aggregator_events_total, aggregation)';
  return new dashboard.QueryVariableBuilder('aggregation')
    .label('Job')
    .datasource(DATASOURCE)
    .query({ query, refId: 'jobs' })
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

/** A query and its legend: [expr, legendFormat]. */
export type Query = readonly [expr: string, legend: string];

export interface PanelOptions {
  unit?: string;
  /** width in grid columns (24 across) and height in rows */
  w?: number;
  h?: number;
  description?: string;
  /** series shown under another name: the raw key -> the name */
  names?: Record<string, string>;
}

function targets(queries: readonly Query[]): prometheus.DataqueryBuilder[] {
  return queries.map(([expr, legend], i) =>
    new prometheus.DataqueryBuilder()
      .datasource(DATASOURCE)
      .expr(expr)
      .legendFormat(legend)
      .refId(String.fromCharCode(65 + i)),
  );
}

/** What every kind of panel shares: title, queries, unit, size, renames. */
function commonParts<B extends timeseries.PanelBuilder | stat.PanelBuilder | bargauge.PanelBuilder>(
  builder: B,
  title: string,
  queries: readonly Query[],
  o: PanelOptions,
): B {
  builder
    .title(title)
    .datasource(DATASOURCE)
    .targets(targets(queries))
    .unit(o.unit ?? 'short')
    .span(o.w ?? 12)
    .height(o.h ?? 8);
  if (o.description) builder.description(o.description);
  for (const [key, name] of Object.entries(o.names ?? {})) builder.overrideByName(key, [{ id: 'displayName', value: name }]);
  return builder;
}

/** A legend under the chart, one line per series (the SDK's default hides it). */
function legend(): common.VizLegendOptionsBuilder {
  return new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom);
}

export function timeseriesPanel(title: string, queries: readonly Query[], o: PanelOptions = {}): cog.Builder<dashboard.Panel> {
  return commonParts(new timeseries.PanelBuilder(), title, queries, o).legend(legend());
}

export function statPanel(title: string, queries: readonly Query[], o: PanelOptions = {}): cog.Builder<dashboard.Panel> {
  return commonParts(new stat.PanelBuilder(), title, queries, o);
}

export function barGaugePanel(title: string, queries: readonly Query[], o: PanelOptions = {}): cog.Builder<dashboard.Panel> {
  return commonParts(new bargauge.PanelBuilder(), title, queries, o);
}

/** A dashboard of streamtally's: tagged, refreshed every 5 s, the last 15 minutes, both variables. */
export function streamtallyDashboard(uid: string, title: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .tags(['streamtally'])
    .timezone('browser')
    .readonly()
    .refresh('5s')
    .time({ from: 'now-15m', to: 'now' })
    .withVariable(datasourceVariable());
}
