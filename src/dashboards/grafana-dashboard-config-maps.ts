import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { COMMON_LABELS } from '../labels';
import { dashboardJson, GeneratedDashboard } from './dashboards';

/** The label Grafana's dashboard sidecar looks for by default (Grafana's Helm chart, kube-prometheus-stack). */
export const DEFAULT_SIDECAR_LABEL: Readonly<Record<string, string>> = { grafana_dashboard: '1' };

export interface GrafanaDashboardConfigMapsProps {
  readonly dashboards: readonly GeneratedDashboard[];
  readonly namespace: string;
  /**
   * The label (one key and value) Grafana's dashboard sidecar selects ConfigMaps by.
   *
   * @default DEFAULT_SIDECAR_LABEL
   */
  readonly sidecarLabel?: Readonly<Record<string, string>>;
  /** More labels, e.g. the monitoring objects' (`monitoring.labels`). */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Defines one ConfigMap per dashboard, labelled for Grafana's dashboard sidecar, which loads every
 * ConfigMap with that label into Grafana: one per dashboard rather than one for all, so each stays far
 * below a ConfigMap's 1 MiB and a change re-loads only the dashboard it touches.
 */
export class GrafanaDashboardConfigMaps extends Construct {
  /** The ConfigMaps' names, in the order of the dashboards. */
  public readonly names: readonly string[];

  constructor(scope: Construct, id: string, props: GrafanaDashboardConfigMapsProps) {
    super(scope, id);
    const sidecarLabel = props.sidecarLabel ?? DEFAULT_SIDECAR_LABEL;
    this.names = props.dashboards.map((d) => {
      const name = `${d.model.uid}-dashboard`;
      new k8s.KubeConfigMap(this, d.model.uid!, {
        metadata: { name, namespace: props.namespace, labels: { ...COMMON_LABELS, ...props.labels, ...sidecarLabel } },
        data: { [d.fileName]: dashboardJson(d.model) },
      });
      return name;
    });
  }
}
