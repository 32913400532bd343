import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRules } from '../../imports/monitoring-rules-monitoring.coreos.com';
import { COMMON_LABELS, SyncWave, syncWave } from '../labels';
import { alert } from './alert-rule';
import { selector } from './promql';
import { AlertThresholds, resolveAlertThresholds } from './thresholds';

export interface ProcessorAlertsProps {
  /** The processor's name (its Deployment); the PrometheusRule is `<name>-alerts`. */
  readonly processorName: string;
  /** The processor's namespace. */
  readonly namespace: string;
  /**
   * When the alerts fire.
   *
   * @default - DEFAULT_ALERT_THRESHOLDS
   */
  readonly thresholds?: AlertThresholds;
  /**
   * Labels for the PrometheusRule, e.g. the ones a Prometheus' `ruleSelector` asks for.
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Defines a PrometheusRule (`monitoring.coreos.com/v1`) with the event processor's alerts, per tenant:
 * consumer lag high or growing, and dead letters; per SQL Server group, events of a database that is no tenant's; per column, masks Debezium did not apply; and, per pod, Kafka refusing its login or an action for
 * want of an ACL. The tenant is the processor's own `tenant` label.
 */
export class ProcessorAlerts extends Construct {
  public readonly name: string;
  /** The alerting rules, in the order they are written. */
  public readonly rules: readonly PrometheusRuleSpecGroupsRules[];

  constructor(scope: Construct, id: string, props: ProcessorAlertsProps) {
    super(scope, id);
    const t = resolveAlertThresholds(props.thresholds);
    this.name = `${props.processorName}-alerts`;
    const inNamespace = selector([['namespace', '=', props.namespace]]);
    const lag = `tenant_cdc_consumer_lag${inNamespace}`;
    const lagByTenant = `sum by (namespace, tenant) (${lag})`;
    // a dead letter of no tenant (a group's database that is none's) has its own alert, TenantCdcUnroutedEvents
    const deadLetters = `tenant_cdc_events_dlq_total${selector([['namespace', '=', props.namespace], ['tenant', '!=', '']])}`;
    const unrouted = `tenant_cdc_unrouted_events_total${inNamespace}`;
    const selfMasked = `tenant_cdc_masks_applied_total${inNamespace}`;
    const byColumn = 'namespace, tenant, table, column, rule';
    const refused = `tenant_cdc_kafka_access_refused_total${inNamespace}`;
    const pendingSnapshot = `tenant_cdc_snapshot_pending_seconds${inNamespace}`;

    this.rules = [
      alert('TenantCdcProcessorLagHigh', 'warning', '15m', `${lagByTenant} > ${t.processorLag}`,
        'Tenant {{ $labels.tenant }}: the processor is {{ $value }} records behind',
        `The event processor has been more than ${t.processorLag} records behind tenant {{ $labels.tenant }}'s raw topics for 15 minutes, `
          + 'so its events reach the final topic late. Look at the processor pods\' CPU and restarts, and at tenant_cdc_batch_duration_seconds; '
          + 'more replicas help up to the raw topics\' partition count.'),

      // over a full 30 minutes (the lag was there 30 minutes ago) it never reached zero and its trend is up
      alert('TenantCdcProcessorLagGrowing', 'warning', '0m', [
        `min_over_time((${lagByTenant})[30m:1m]) > 0`,
        'and',
        `deriv((${lagByTenant})[30m:1m]) > 0`,
        'and',
        `sum by (namespace, tenant) (${lag} offset 30m)`,
      ].join('\n'),
      'Tenant {{ $labels.tenant }}: the processor\'s lag keeps growing',
      'The event processor\'s lag on tenant {{ $labels.tenant }}\'s raw topics has not reached zero for 30 minutes and is growing: '
        + 'the tenant writes changes faster than the processor handles them.'),

      // a tenant's first dead letter creates its series, which increase() cannot see: new series count whole
      alert('TenantCdcDeadLetters', 'warning', '0m', [
        `sum by (namespace, tenant) (increase(${deadLetters}[10m])) > ${t.deadLetters}`,
        'or',
        `sum by (namespace, tenant) (${deadLetters} unless ${deadLetters} offset 10m) > ${t.deadLetters}`,
      ].join('\n'),
      'Tenant {{ $labels.tenant }}: records sent to the dead-letter topic ({{ $value | printf "%.0f" }} in 10 minutes)',
      'The event processor could not read records of tenant {{ $labels.tenant }}\'s raw topics and sent them to the dead-letter topic '
        + '(their headers cdc-error, cdc-source-topic and cdc-source-offset say why and where from). The other records still flow.'),

      // routing by a group's name would hand one tenant's rows to a name that is no tenant: they wait in the DLQ.
      // Per series, a new one (a pod's first) counts whole and an older one by its increase, then summed over
      // pods (an `or` of two sums would drop a new pod's count when another pod's series is older)
      alert('TenantCdcUnroutedEvents', 'warning', '0m',
        `sum by (namespace, group, database) ((${unrouted} unless ${unrouted} offset 10m) or increase(${unrouted}[10m])) > 0`,
      'SQL Server group {{ $labels.group }}: events of database {{ $labels.database }}, which is no tenant of the group, sent to the dead-letter topic '
        + '({{ $value | printf "%.0f" }} in 10 minutes)',
      'The group\'s connector captures database {{ $labels.database }}, but no tenant of group {{ $labels.group }} has that database, so its events belong '
        + 'to no tenant: the processor sent them to the dead-letter topic (header cdc-error) rather than label them with the group\'s name. '
        + 'Give the database a tenant with group: {{ $labels.group }} in the tenants file (then replay them from the dead-letter topic), '
        + 'or remove it from the connector\'s database.names.'),

      // the final topic is masked, but the raw topic is not: someone decides what to do about the column
      alert('TenantCdcMaskNotAppliedBySource', 'warning', '0m',
        `sum by (${byColumn}) ((${selfMasked} unless ${selfMasked} offset 10m) or increase(${selfMasked}[10m])) > 0`,
      'Tenant {{ $labels.tenant }}: column {{ $labels.table }}.{{ $labels.column }} ({{ $labels.rule }}) arrived unmasked from Debezium; the processor masked it '
        + '({{ $value | printf "%.0f" }} values in 10 minutes)',
      'Debezium masks character columns only, and column {{ $labels.column }} of {{ $labels.tenant }}\'s table {{ $labels.table }} is of another type '
        + '(a PostgreSQL citext, a number, ...), so its values reach the raw topic in clear. The processor applied the declared {{ $labels.rule }} itself, '
        + 'so the final topic holds no clear value, but the raw topics and whoever reads them do. Make the column a character type, exclude it, '
        + 'or restrict access to the raw topics (docs/tenants-file.md: Columns).'),

      // a refusal's first occurrence creates its series: as for dead letters, new series count whole
      alert('TenantCdcProcessorKafkaAccessRefused', 'critical', '0m', [
        `sum by (namespace, pod, kind) (increase(${refused}[10m])) > 0`,
        'or',
        `sum by (namespace, pod, kind) (${refused} unless ${refused} offset 10m) > 0`,
      ].join('\n'),
      'The processor {{ $labels.pod }}: Kafka refused its {{ if eq $labels.kind "authentication" }}login{{ else }}requests for want of an ACL{{ end }}',
      'Kafka refused the event processor ({{ $labels.kind }}), so it does not process, or not all of it: a wrong or revoked API secret, or an ACL '
        + 'that is missing. Its log says which principal, broker and answer, and the ACL to add; npm run acls lists every ACL it needs. '
        + 'It keeps trying and resumes from its committed offsets once Kafka lets it.'),

      // the reconciler's leader reports each table waiting for its snapshot: too long, or one Debezium refused
      alert('TenantCdcSnapshotNotFinished', 'warning', '5m', [
        `max by (namespace, tenant, connector, table) (${pendingSnapshot}) > ${t.snapshotHours * 3600}`,
        'or',
        `max by (namespace, tenant, connector, table) (tenant_cdc_snapshot_pending_seconds${selector([['namespace', '=', props.namespace], ['state', '=', 'failed']])})`,
      ].join('\n'),
      'Tenant {{ $labels.tenant }}: the snapshot of {{ $labels.table }}, added while streaming, has not finished',
      `Table {{ $labels.table }} was added to connector {{ $labels.connector }}, and its rows from before are not all on the final topic: its snapshot is `
        + `waiting for more than ${t.snapshotHours} hours, or Debezium refused it (state failed, e.g. a table without a primary key). The processor's log `
        + 'says why (\'snapshot signal sent\', \'a table cannot be snapshotted while streaming\'); the connector must be running and its signal table present.'),
    ];

    new PrometheusRule(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels: { ...COMMON_LABELS, ...props.labels }, annotations: syncWave(SyncWave.PROCESSOR) },
      spec: { groups: [{ name: 'tenant-cdc-processor', rules: [...this.rules] }] },
    });
  }
}
