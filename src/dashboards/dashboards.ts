import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardsProps } from './dashboard-props';
import { fleetOverview } from './fleet-overview';
import { processorView } from './processor-view';
import { tenantView } from './tenant-view';

/** A generated dashboard: Grafana's JSON model and the file it is written to. */
export interface GeneratedDashboard {
  /** `<uid>.json`: the file `npm run dashboards` writes, and the key in its ConfigMap. */
  readonly fileName: string;
  readonly model: dashboard.Dashboard;
}

/** tenant-cdc's dashboards for the output `props` describe: the fleet overview, one tenant, the processor. */
export function tenantCdcDashboards(props: DashboardsProps): GeneratedDashboard[] {
  return [fleetOverview(props), tenantView(props), processorView(props)].map((model) => ({ fileName: `${model.uid}.json`, model }));
}

/** A dashboard's JSON as Grafana imports it (two-space indent, a final newline, so files diff well). */
export function dashboardJson(model: dashboard.Dashboard): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
