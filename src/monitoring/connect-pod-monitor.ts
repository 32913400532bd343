import { Construct } from 'constructs';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsRelabelingsAction } from '../../imports/monitoring-pods-monitoring.coreos.com';
import type { IConnectCluster } from '../connect-cluster';
import { COMMON_LABELS, SyncWave, syncWave } from '../labels';

/** The name Strimzi gives the JMX exporter's port (9404) on Connect pods. */
export const STRIMZI_METRICS_PORT_NAME = 'tcp-prometheus';

export interface ConnectPodMonitorProps {
  /** The Connect cluster whose pods are scraped. */
  readonly cluster: Pick<IConnectCluster, 'name' | 'namespace'>;
  /**
   * Labels for the PodMonitor, e.g. the ones a Prometheus' `podMonitorSelector` asks for.
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Defines a PodMonitor (`monitoring.coreos.com/v1`) that scrapes the JMX exporter of one Strimzi Connect
 * cluster's pods (labels `strimzi.io/cluster` and `strimzi.io/kind: KafkaConnect`, port `tcp-prometheus`),
 * copying their `strimzi.io/*` labels to `strimzi_io_*` as Strimzi's example PodMonitor does: the alerts
 * tell clusters apart by `strimzi_io_cluster`.
 */
export class ConnectPodMonitor extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ConnectPodMonitorProps) {
    super(scope, id);
    const { name: cluster, namespace } = props.cluster;
    this.name = `${cluster}-connect-metrics`;
    new PodMonitor(this, 'Resource', {
      metadata: { name: this.name, namespace, labels: { ...COMMON_LABELS, ...props.labels }, annotations: syncWave(SyncWave.CONNECT) },
      spec: {
        selector: { matchLabels: { 'strimzi.io/cluster': cluster, 'strimzi.io/kind': 'KafkaConnect' } },
        podMetricsEndpoints: [{
          port: STRIMZI_METRICS_PORT_NAME,
          path: '/metrics',
          relabelings: [{ action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.LABELMAP, regex: '__meta_kubernetes_pod_label_(strimzi_io_.+)', replacement: '$1' }],
        }],
      },
    });
  }
}
