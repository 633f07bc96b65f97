import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@streamtally/test-support';
import { DASHBOARDS, render } from '../src';

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource: { uid: string } }[];
}
const committed = (name: string) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'grafana/dashboards', name), 'utf8'));
const names = Object.keys(DASHBOARDS) as (keyof typeof DASHBOARDS)[];

describe('the dashboards, built with the Grafana Foundation SDK', () => {
  it.each(names)('the committed %s is what the builders give (run node packages/dashboards/dist/main.js after a change)', (name) => {
    expect(fs.readFileSync(path.join(REPO_ROOT, 'grafana/dashboards', name), 'utf8')).toBe(render(name));
  });

  it.each(names)('%s imports into any Grafana: every panel and query reads the datasource variable, never a fixed uid', (name) => {
    const dashboard = committed(name);
    const variable = dashboard.templating.list.find((v: { name: string }) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const panels = (dashboard.panels as Panel[]).filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(3);
    for (const panel of panels) {
      expect({ panel: panel.title, uid: panel.datasource?.uid }).toEqual({ panel: panel.title, uid: '${datasource}' });
      for (const target of panel.targets ?? [])
        expect({ panel: panel.title, uid: target.datasource.uid }).toEqual({ panel: panel.title, uid: '${datasource}' });
    }
  });

  it.each(names)('%s numbers its panels, each id once', (name) => {
    const ids = (committed(name).panels as Panel[]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id > 0)).toBe(true);
  });

  it('operations: a row per service, a job variable over the jobs Prometheus has seen, and every per-job panel filtered by it', () => {
    const dashboard = committed('operations.json');
    const rows = (dashboard.panels as Panel[]).filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['Pipeline', 'Producer', 'Aggregator', 'Gateway']);
    const job = dashboard.templating.list.find((v: { name: string }) => v.name === 'aggregation');
    expect(job).toMatchObject({ type: 'query', multi: true, includeAll: true, allValue: '.*', datasource: { uid: '${datasource}' } });
    expect(job.query.query).toBe('label_values(streamtally_aggregator_events_total, aggregation)');
    const perJob = (dashboard.panels as Panel[]).flatMap((p) => (p.targets ?? []).map((t) => t.expr)).filter((e) => e.includes('aggregation'));
    expect(perJob.length).toBeGreaterThan(3);
    for (const expr of perJob) expect(expr).toContain('aggregation=~"$aggregation"');
  });
});
