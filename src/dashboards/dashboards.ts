import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardsProps } from './dashboard-props';

/** A generated dashboard: Grafana's JSON model and the file it is written to. */
export interface GeneratedDashboard {
  /** `<uid>.json`: the file `npm run dashboards` writes, and the key in its ConfigMap. */
  readonly fileName: string;
  readonly model: dashboard.Dashboard;
}

/**
 * tenant-cdc's dashboards for the output `props` describe: the fleet overview, one tenant, the processor.
 *
 * The dashboards' modules are loaded on the first call, not with the library: the SDK's builders take
 * 0.3 to 1 s to load, which every synth would pay although dashboards are opt-in.
 */
export function tenantCdcDashboards(props: DashboardsProps): GeneratedDashboard[] {
  const { fleetOverview } = require('./fleet-overview') as typeof import('./fleet-overview');
  const { tenantView } = require('./tenant-view') as typeof import('./tenant-view');
  const { processorView } = require('./processor-view') as typeof import('./processor-view');
  return [fleetOverview(props), tenantView(props), processorView(props)].map((model) => ({ fileName: `${model.uid}.json`, model }));
}

/** A dashboard's JSON as Grafana imports it (two-space indent, a final newline, so files diff well). */
export function dashboardJson(model: dashboard.Dashboard): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
