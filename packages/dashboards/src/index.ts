import { businessDashboard } from './business';
import { operationsDashboard } from './operations';

/** Each dashboard's file under grafana/dashboards and its builder. */
export const DASHBOARDS = {
  'operations.json': operationsDashboard,
  'business.json': businessDashboard,
} as const;

/** A dashboard as the committed file holds it. */
export function render(name: keyof typeof DASHBOARDS): string {
  const built = DASHBOARDS[name]().build();
  // the builders leave panel ids to Grafana (0 or none), which numbers them on load; numbered here, links
  // to a panel (viewPanel=3) stay the same across imports
  built.panels?.forEach((panel, i) => (panel.id ||= i + 1));
  return JSON.stringify(built, null, 2) + '\n';
}

export { DATASOURCE } from './panels';
