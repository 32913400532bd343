import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KAFKA_CONNECT_HEALTH_LUA, KAFKA_CONNECTOR_HEALTH_LUA } from './health-scripts';

/** Which Argo CD health checks to install, and how. */
export interface ArgoCdHealthCheckOptions {
  /**
   * The health of a KafkaConnector that is not running on purpose: paused or stopped as its `spec.state`
   * asks, or on a Connect cluster scaled to 0 replicas. `Suspended` is Argo CD's word for it. Argo CD holds a
   * sync with sync waves (tenant-cdc's output has three) until every synced resource is Healthy or Degraded,
   * and applies every resource on every sync unless `ApplyOutOfSyncOnly=true`, so with `Suspended` every sync
   * runs until someone terminates it while a tenant is paused: choose `Healthy` for such Applications. The
   * message says paused, stopped or scaled to 0 either way. (A KafkaConnect scaled to 0 is Healthy always.)
   *
   * @default 'Suspended'
   */
  readonly pausedConnectorHealth?: 'Healthy' | 'Suspended';
  /**
   * Open Lua's standard libraries for the KafkaConnector check (argocd-cm's
   * `resource.customizations.useOpenLibs.kafka.strimzi.io_KafkaConnector`). The check uses only the string
   * library: to quote the first line and the root cause of a failed task's stack trace, and to read Connect's
   * 409 (a rebalance) and a `CompletionException`'s cause, which count as Degraded without it.
   *
   * @default true
   */
  readonly openLibs?: boolean;
  /**
   * Also replace Argo CD's built-in KafkaConnect check, which says Healthy while Strimzi is still rolling out
   * a changed spec and waits for ever on a KafkaConnect whose reconciliation is paused.
   *
   * @default true
   */
  readonly kafkaConnect?: boolean;
}

/**
 * The argocd-cm entries that install tenant-cdc's Argo CD health checks for Strimzi's KafkaConnector (and
 * KafkaConnect), to merge into an argocd-cm defined elsewhere.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/health/#custom-health-checks
 */
export function argoCdHealthCheckData(options: ArgoCdHealthCheckOptions = {}): Record<string, string> {
  const data: Record<string, string> = {
    'resource.customizations.health.kafka.strimzi.io_KafkaConnector': kafkaConnectorHealthLua(options.pausedConnectorHealth ?? 'Suspended'),
  };
  if (options.openLibs ?? true) data['resource.customizations.useOpenLibs.kafka.strimzi.io_KafkaConnector'] = 'true';
  if (options.kafkaConnect ?? true) {
    data['resource.customizations.health.kafka.strimzi.io_KafkaConnect'] = KAFKA_CONNECT_HEALTH_LUA;
  }
  return data;
}

/** The KafkaConnector check with the health it gives a connector paused or stopped on purpose. */
function kafkaConnectorHealthLua(pausedConnectorHealth: 'Healthy' | 'Suspended'): string {
  // the script sets it in one line, written for this replacement (a test runs the result)
  return KAFKA_CONNECTOR_HEALTH_LUA.replace('local PAUSED_CONNECTOR_HEALTH = "Suspended"', `local PAUSED_CONNECTOR_HEALTH = "${pausedConnectorHealth}"`);
}

export interface ArgoCdHealthChecksProps extends ArgoCdHealthCheckOptions {
  /**
   * Namespace Argo CD runs in.
   *
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * The rest of argocd-cm (`url`, `dex.config`, other health checks, ...): this ConfigMap is the whole of it.
   *
   * @default - only the health checks
   */
  readonly data?: Readonly<Record<string, string>>;
}

/**
 * Argo CD's argocd-cm with tenant-cdc's health checks, for a cdk8s app that owns Argo CD's configuration:
 * pass the rest of argocd-cm as `data` and let this be the whole of it (applied with
 * `kubectl apply --server-side` over an argocd-cm that a client-side apply installed, it keeps no other key).
 * An app that owns only part of argocd-cm merges {@link argoCdHealthCheckData} into its own definition;
 * `argocd/argocd-cm.yaml` in the repository, this construct's output, is a patch for `kubectl patch` or kustomize.
 *
 * Opt-in: `CdcPlatform` never adds it, since Argo CD's configuration is not the tenants' to change.
 */
export class ArgoCdHealthChecks extends Construct {
  /** The health checks' argocd-cm entries, Lua included. */
  public readonly healthCheckData: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ArgoCdHealthChecksProps = {}) {
    super(scope, id);
    this.healthCheckData = argoCdHealthCheckData(props);
    const clashes = Object.keys(props.data ?? {}).filter((key) => key in this.healthCheckData);
    if (clashes.length > 0) {
      throw new Error(`data sets ${clashes.join(', ')}, which ArgoCdHealthChecks writes; leave them out, or merge argoCdHealthCheckData() into your own argocd-cm instead`);
    }
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name: 'argocd-cm',
        namespace: props.namespace ?? 'argocd',
        // Argo CD reads only ConfigMaps labelled part-of: argocd, so tenant-cdc's common labels must not be here
        labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' },
      },
      data: { ...props.data, ...this.healthCheckData },
    });
  }
}
