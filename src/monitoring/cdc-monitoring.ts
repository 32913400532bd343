import { Construct } from 'constructs';
import type { IConnectCluster } from '../connect-cluster';
import type { MonitoringSettings } from '../tenants/schema';
import type { ResolvedTenantsFile } from '../tenants/validate';
import { ConnectAlerts } from './connect-alerts';
import { ConnectPodMonitor } from './connect-pod-monitor';
import { ProcessorAlerts } from './processor-alerts';
import { ProcessorServiceMonitor } from './processor-service-monitor';
import { resolveAlertThresholds } from './thresholds';
import { ownedByConnectCluster } from '../output/connect-cluster-owner';
import { GeneratedDashboard, tenantCdcDashboards } from '../dashboards/dashboards';
import { GrafanaDashboardConfigMaps } from '../dashboards/grafana-dashboard-config-maps';

export interface CdcMonitoringProps {
  /** The `monitoring:` block of the tenants file. */
  readonly settings: MonitoringSettings;
  /** The tenants file with every default applied: which connectors run where, and their heartbeats. */
  readonly config: ResolvedTenantsFile;
  /** Every Connect cluster. */
  readonly connectClusters: ReadonlyArray<Pick<IConnectCluster, 'name' | 'namespace'>>;
  /** The event processor's name (its Deployment). */
  readonly processorName: string;
}

/**
 * Defines what `monitoring:` asks for: per Connect cluster a PodMonitor and a PrometheusRule, and for the
 * event processor a ServiceMonitor and a PrometheusRule (Prometheus Operator, `monitoring.coreos.com/v1`);
 * with `dashboards`, Grafana dashboards of the fleet, of one tenant and of the processor, as ConfigMaps for
 * Grafana's dashboard sidecar.
 */
export class CdcMonitoring extends Construct {
  /** Things that synthesize but need attention, e.g. tenants the stall alert cannot watch. */
  public readonly warnings: readonly string[];
  /** The Grafana dashboards, when `dashboards` asks for them. */
  public readonly dashboards?: readonly GeneratedDashboard[];

  constructor(scope: Construct, id: string, props: CdcMonitoringProps) {
    super(scope, id);
    const { settings, config } = props;
    const thresholds = resolveAlertThresholds(settings.thresholds);
    const labels = settings.labels;
    const warnings: string[] = [];
    const quiet = quietConnectors(config, thresholds.stalledMinutes);
    for (const connector of [...quiet.values()].flat()) {
      warnings.push(`monitoring: connector ${connector.name} sends heartbeats ${connector.heartbeatIntervalMs === 0 ? 'never' : `every ${connector.heartbeatIntervalMs} ms`}, `
        + `so a quiet database cannot be told from a stalled stream within thresholds.stalledMinutes (${thresholds.stalledMinutes}): `
        + 'TenantCdcStreamingStalled leaves it out; set heartbeatIntervalMs to at most half of that window to have it watched');
    }
    for (const cluster of props.connectClusters) {
      if (settings.podMonitors ?? true) ownedByConnectCluster(new ConnectPodMonitor(this, `PodMonitor-${cluster.name}`, { cluster, labels }), cluster.name);
      if (settings.alerts ?? true) {
        ownedByConnectCluster(new ConnectAlerts(this, `Alerts-${cluster.name}`, {
          cluster, thresholds, labels, quietConnectors: (quiet.get(cluster.name) ?? []).map((c) => c.name),
        }), cluster.name);
      }
    }
    const processor = { processorName: props.processorName, namespace: config.namespace, labels };
    if (settings.podMonitors ?? true) new ProcessorServiceMonitor(this, 'ProcessorMonitor', processor);
    if (settings.alerts ?? true) new ProcessorAlerts(this, 'ProcessorAlerts', { ...processor, thresholds });
    if (settings.dashboards) {
      this.dashboards = tenantCdcDashboards({ namespace: config.namespace, thresholds });
      if (settings.dashboards.configMaps ?? true) {
        new GrafanaDashboardConfigMaps(this, 'Dashboards', { dashboards: this.dashboards, namespace: config.namespace, sidecarLabel: settings.dashboards.sidecarLabel, labels });
      }
    }
    this.warnings = warnings;
  }
}

/** A connector that may rightly poll nothing for a whole stall window. */
export interface QuietConnector {
  readonly name: string;
  readonly heartbeatIntervalMs: number;
}

/**
 * Connectors, by cluster, whose heartbeats are off or rarer than half the stall window: a healthy one of
 * them may poll nothing for the whole window. A SQL Server group's connector has its first tenant's interval.
 */
export function quietConnectors(config: ResolvedTenantsFile, stalledMinutes: number): Map<string, QuietConnector[]> {
  const connectors = [
    ...config.tenants.filter((t) => t.group === undefined && t.state === 'running').map((t) => ({ name: t.id, cluster: t.connect, heartbeatIntervalMs: t.heartbeatIntervalMs })),
    ...config.sqlServerGroups.filter((g) => g.state === 'running').flatMap((g) => {
      const first = config.tenants.find((t) => t.group === g.name);
      return first ? [{ name: g.name, cluster: g.connect, heartbeatIntervalMs: first.heartbeatIntervalMs }] : [];
    }),
  ];
  const quiet = new Map<string, QuietConnector[]>();
  for (const c of connectors.filter((c) => c.heartbeatIntervalMs === 0 || c.heartbeatIntervalMs * 2 > stalledMinutes * 60_000)) {
    quiet.set(c.cluster, [...(quiet.get(c.cluster) ?? []), { name: c.name, heartbeatIntervalMs: c.heartbeatIntervalMs }]);
  }
  return quiet;
}
