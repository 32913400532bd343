import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRules } from '../../imports/monitoring-rules-monitoring.coreos.com';
import type { IConnectCluster } from '../connect-cluster';
import { COMMON_LABELS, SyncWave, syncWave } from '../labels';
import { alert as alertRule } from './alert-rule';
import { alternatives, Matcher, selector, tenantFromConnector } from './promql';
import { AlertThresholds, resolveAlertThresholds } from './thresholds';

export interface ConnectAlertsProps {
  /** The Connect cluster whose connectors are watched. */
  readonly cluster: Pick<IConnectCluster, 'name' | 'namespace'>;
  /**
   * When the alerts fire.
   *
   * @default - DEFAULT_ALERT_THRESHOLDS
   */
  readonly thresholds?: AlertThresholds;
  /**
   * Connectors that may rightly poll nothing for a long time (heartbeats off, or rarer than half the stall
   * window): the streaming-stalled alert leaves them out, since a quiet database looks the same.
   *
   * @default - none
   */
  readonly quietConnectors?: readonly string[];
  /**
   * Labels for the PrometheusRule, e.g. the ones a Prometheus' `ruleSelector` asks for.
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Defines a PrometheusRule (`monitoring.coreos.com/v1`) with the alerts of one Connect cluster's tenants:
 * a connector or task FAILED, streaming stalled, streaming far behind the database, a snapshot running
 * too long. Every alert carries the tenant in label `tenant`.
 *
 * The series are the ones the JMX exporter rules of `CONNECT_METRICS_CONFIG` make, scraped with the pod
 * labels `strimzi.io/*` mapped to `strimzi_io_*` (as `ConnectPodMonitor` and Strimzi's example PodMonitor
 * do), so `strimzi_io_cluster` tells the clusters of a namespace apart.
 */
export class ConnectAlerts extends Construct {
  public readonly name: string;
  /** The alerting rules, in the order they are written. */
  public readonly rules: readonly PrometheusRuleSpecGroupsRules[];

  constructor(scope: Construct, id: string, props: ConnectAlertsProps) {
    super(scope, id);
    const { name: cluster, namespace } = props.cluster;
    const t = resolveAlertThresholds(props.thresholds);
    this.name = `${cluster}-alerts`;
    const inCluster: Matcher[] = [['namespace', '=', namespace], ['strimzi_io_cluster', '=', cluster]];
    const series = (metric: string, ...more: Matcher[]) => `${metric}${selector([...inCluster, ...more])}`;
    const byTask = 'namespace, strimzi_io_cluster, connector, task';
    const byDebezium = 'namespace, strimzi_io_cluster, tenant, name, database';
    const quiet: Matcher[] = props.quietConnectors?.length ? [['connector', '!~', alternatives([...props.quietConnectors].sort())]] : [];
    const stalled = `${t.stalledMinutes}m`;

    // the cluster as a static label too, so the rules of two clusters are never the same rule
    const alert = (name: string, severity: 'critical' | 'warning', holdFor: string, expression: string, summary: string, description: string) =>
      alertRule(name, severity, holdFor, expression, summary, description, { strimzi_io_cluster: cluster });
    this.rules = [
      alert('TenantCdcConnectorFailed', 'critical', '5m', tenantFromConnector(
        `max by (namespace, strimzi_io_cluster, connector) (\n  ${series('kafka_connect_connector_status', ['status', '=', 'failed'])}\n)`),
      'Tenant {{ $labels.tenant }}: connector {{ $labels.connector }} failed',
      'Kafka Connect reports the connector of tenant {{ $labels.tenant }} FAILED for 5 minutes, so none of its changes are captured. '
        + 'Read the trace in the KafkaConnector\'s status (kubectl get kafkaconnector {{ $labels.connector }} -n {{ $labels.namespace }} -o yaml) and fix the cause; '
        + 'Strimzi restarts it (autoRestart), or annotate it strimzi.io/restart=true.'),

      alert('TenantCdcTaskFailed', 'critical', '5m', tenantFromConnector(
        `max by (${byTask}) (\n  ${series('kafka_connect_connector_task_status', ['status', '=', 'failed'])}\n)`),
      'Tenant {{ $labels.tenant }}: task {{ $labels.task }} of connector {{ $labels.connector }} failed',
      'Task {{ $labels.task }} of tenant {{ $labels.tenant }}\'s connector has been FAILED for 5 minutes, so its changes are not captured. '
        + 'The KafkaConnector\'s status has the trace; Strimzi restarts failed tasks (autoRestart), or annotate it strimzi.io/restart-task={{ $labels.task }}.'),

      // heartbeats are polled records too, so a healthy task of a quiet database still polls; a task that
      // keeps retrying its database connection stays RUNNING in Connect but polls nothing (seen on the real stack)
      alert('TenantCdcStreamingStalled', 'critical', '5m', tenantFromConnector([
        `max by (${byTask}) (\n  ${series('kafka_connect_connector_task_status', ['status', '=', 'running'], ...quiet)}\n)`,
        `unless on (${byTask})`,
        `(\n  sum by (${byTask}) (\n    increase(${selector([['__name__', '=~', 'kafka_connect_source_task_metrics_source_record_poll(?:_total)?'], ...inCluster])}[${stalled}])\n  ) > 0\n)`,
      ].join('\n')),
      `Tenant {{ $labels.tenant }}: streaming stalled, nothing polled for ${t.stalledMinutes} minutes`,
      `Task {{ $labels.task }} of tenant {{ $labels.tenant }}'s connector is RUNNING but has polled no record, not even a heartbeat, for ${t.stalledMinutes} minutes: `
        + 'it cannot read its database (Debezium retries a lost connection while Connect still shows RUNNING). '
        + 'Look for connection or authentication errors of the connector in the Connect logs, and at the database\'s replication slot, CDC job or binlog.'),

      alert('TenantCdcStreamingLagHigh', 'warning', '10m', [
        `max by (${byDebezium}) (\n  ${series('debezium_metrics_millisecondsbehindsource', ['context', '=', 'streaming'])}\n) / 1000 > ${t.streamingLagMinutes * 60}`,
        `and on (${byDebezium})`,
        // the lag of the last event stays put when no event comes; only a recent event's lag says the stream is behind
        `max by (${byDebezium}) (\n  ${series('debezium_metrics_millisecondssincelastevent', ['context', '=', 'streaming'])} >= 0\n) < ${t.stalledMinutes * 60_000}`,
      ].join('\n'),
      'Tenant {{ $labels.tenant }}: streaming is {{ $value | humanizeDuration }} behind the database',
      `Debezium reads tenant {{ $labels.tenant }}'s changes more than ${t.streamingLagMinutes} minutes after their commit{{ if $labels.database }} (database {{ $labels.database }}){{ end }}. `
        + 'The connector cannot keep up: look at the database\'s change volume, the Connect worker\'s CPU and the connector\'s queue (debezium_metrics_queueremainingcapacity).'),

      alert('TenantCdcSnapshotTooLong', 'warning', '0m', [
        `max by (${byDebezium}) (\n  ${series('debezium_metrics_snapshotdurationinseconds', ['context', '=', 'snapshot'])}\n) > ${t.snapshotHours * 3600}`,
        `and on (${byDebezium})`,
        `max by (${byDebezium}) (\n  ${series('debezium_metrics_snapshotrunning', ['context', '=', 'snapshot'])}\n) == 1`,
      ].join('\n'),
      'Tenant {{ $labels.tenant }}: snapshot running for {{ $value | humanizeDuration }}',
      `The snapshot of tenant {{ $labels.tenant }}{{ if $labels.database }} (database {{ $labels.database }}){{ end }} has run for more than ${t.snapshotHours} hours; `
        + 'streaming starts only after it. Check its progress (debezium_metrics_rowsscanned by table) and the database load; a restarted task starts the snapshot over.'),
    ];

    new PrometheusRule(this, 'Resource', {
      metadata: { name: this.name, namespace, labels: { ...COMMON_LABELS, ...props.labels }, annotations: syncWave(SyncWave.CONNECTORS) },
      spec: { groups: [{ name: `tenant-cdc-connect-${cluster}`, rules: [...this.rules] }] },
    });
  }
}
