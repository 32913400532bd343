import type { AlertThresholds } from '../monitoring/thresholds';
import { selector } from '../monitoring/promql';

/** What the generated dashboards know of the output they watch. */
export interface DashboardsProps {
  /** The namespace of the tenants file: the `namespace` variable's first choice. */
  readonly namespace: string;
  /** The alert thresholds, drawn as red lines where a panel shows what an alert watches. */
  readonly thresholds: Required<AlertThresholds>;
}

/** A metric selected in the dashboard's namespace, plus `more` (variables stay as `$name` for Grafana). */
export function inNamespace(metric: string, ...more: Array<readonly [string, '=' | '!=' | '=~' | '!~', string]>): string {
  return `${metric}${selector([['namespace', '=', '$namespace'], ...more])}`;
}

/** A Connect metric of the chosen clusters. */
export function inClusters(metric: string, ...more: Array<readonly [string, '=' | '!=' | '=~' | '!~', string]>): string {
  return inNamespace(metric, ['strimzi_io_cluster', '=~', '$cluster'], ...more);
}

/** A per-second rate over Grafana's rate interval (at least four scrapes). */
export function rate(series: string): string {
  return `rate(${series}[$__rate_interval])`;
}
