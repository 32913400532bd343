import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KafkaConnection, principalOf } from './kafka-connection';
import { COMMON_LABELS, KAFKA_PRINCIPAL_ANNOTATION, SyncWave, syncWave } from './labels';
import type { ColumnMaskRules } from './processor/column-masks';
import { defaultDlqTopic, PROCESSOR_ENV, PROCESSOR_ENV_DEFAULTS } from './processor/env';

export interface EventProcessorProps {
  /**
   * Name of the Deployment, its ServiceAccount, Service and PodDisruptionBudget.
   *
   * @default 'tenant-cdc-processor'
   */
  readonly name?: string;
  /** Namespace of every object. */
  readonly namespace: string;
  /** The processor image (built from the repository's Dockerfile). */
  readonly image: string;
  /**
   * Number of pods; consumers in one group share the raw topics' partitions.
   *
   * @default 2
   */
  readonly replicas?: number;
  /** The Kafka cluster and the processor's own credentials; the password comes from its Secret, a private CA is mounted. */
  readonly kafka: KafkaConnection;
  /**
   * Raw Debezium topics to read, exactly.
   *
   * @default - none; `sourceTopicPattern` must be set
   */
  readonly sourceTopics?: readonly string[];
  /**
   * Anchored regular expression of raw Debezium topics to read.
   *
   * @default - none; `sourceTopics` must be set
   */
  readonly sourceTopicPattern?: string;
  /** The final topic. */
  readonly sinkTopic: string;
  /**
   * Tenants of events whose `topic.prefix` is not the tenant: `<topic.prefix>/<database>` (or
   * `<topic.prefix>`) to tenant, e.g. the databases of a SQL Server group's shared connector.
   *
   * @default - every event's tenant is its `topic.prefix`
   */
  readonly tenantRoutes?: Readonly<Record<string, string>>;
  /**
   * The declared `hash` and `asterisks` masks by topic prefix and `schema.table`: Debezium masks character
   * columns only, and the processor masks the values of other types before they reach the final topic.
   *
   * @default - none
   */
  readonly columnMasks?: ColumnMaskRules;
  /**
   * The salt of hashed columns (`masking.salt`): a pepper Debezium takes in a property name, so it is in
   * the output anyway, not a secret. Required when `columnMasks` hash.
   *
   * @default - none
   */
  readonly maskingSalt?: string;
  /**
   * Connectors whose tables added later the processor has snapshotted while they stream, by `topic.prefix`:
   * their signal and notification topics and their data collections (src/snapshots/).
   *
   * @default - none
   */
  readonly snapshotConnectors?: Readonly<Record<string, { readonly signals: string; readonly notifications: string; readonly tables: readonly string[] }>>;
  /**
   * The dead-letter topic for events the processor cannot parse.
   *
   * @default - `<sinkTopic>.dlq`
   */
  readonly dlqTopic?: string;
  /**
   * Kafka consumer group, and the prefix of transactional ids.
   *
   * @default - the name
   */
  readonly groupId?: string;
  /**
   * `at-least-once`, or `exactly-once` with Kafka transactions.
   *
   * @default 'at-least-once'
   */
  readonly processingGuarantee?: 'at-least-once' | 'exactly-once';
  /**
   * Time a pod gets after SIGTERM to finish its batch and commit.
   *
   * @default Duration.seconds(30)
   */
  readonly terminationGracePeriod?: Duration;
}

/** The port of `/healthz`, `/readyz` and `/metrics`. */
const HTTP_PORT = PROCESSOR_ENV_DEFAULTS.httpPort;

/** Where a private CA of the brokers is mounted; Node.js adds NODE_EXTRA_CA_CERTS to the CAs it trusts. */
export const PROCESSOR_KAFKA_CA_DIR = '/etc/tenant-cdc/kafka-ca';

/**
 * Defines the event processor: a Deployment of the kafkajs service that turns raw Debezium topics into
 * one tenant-aware topic, with its own ServiceAccount (no token), a PodDisruptionBudget, a metrics
 * Service, probes, and the restricted Pod Security Standard.
 */
export class EventProcessor extends Construct {
  public readonly name: string;
  /** The Deployment, for settings this construct has no prop for. */
  public readonly deployment: kplus.Deployment;
  /** The environment the container gets, by variable name (the SASL password as a Secret reference). */
  public readonly environment: Readonly<Record<string, kplus.EnvValue>>;

  constructor(scope: Construct, id: string, props: EventProcessorProps) {
    super(scope, id);
    if (!props.sourceTopics?.length && !props.sourceTopicPattern) {
      throw new Error(`event processor ${props.name ?? 'tenant-cdc-processor'} reads nothing; set sourceTopics or sourceTopicPattern`);
    }
    this.name = props.name ?? 'tenant-cdc-processor';
    const metadata = { namespace: props.namespace, labels: { ...COMMON_LABELS, 'app.kubernetes.io/name': this.name } };
    const annotations = syncWave(SyncWave.PROCESSOR);
    this.environment = this.buildEnvironment(props);

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { ...metadata, name: this.name, annotations },
      automountToken: false,
    });

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: {
        ...metadata,
        name: this.name,
        // the principal its ACLs name (`npm run acls`), which the API key alone does not tell on Confluent Cloud
        annotations: { ...annotations, ...(props.kafka.auth && { [KAFKA_PRINCIPAL_ANNOTATION]: principalOf(props.kafka.auth) }) },
      },
      podMetadata: { labels: { ...metadata.labels } },
      // select pods by our own stable label, not cdk8s's construct-path label: a selector can never change
      select: false,
      replicas: props.replicas ?? 2,
      serviceAccount,
      automountServiceAccountToken: false,
      terminationGracePeriod: props.terminationGracePeriod ?? Duration.seconds(30),
      securityContext: { ensureNonRoot: true, user: 10001, group: 10001, fsGroup: 10001 },
      containers: [{
        name: 'processor',
        image: props.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        portNumber: HTTP_PORT,
        envVariables: this.environment,
        liveness: kplus.Probe.fromHttpGet('/healthz', { port: HTTP_PORT, periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
        readiness: kplus.Probe.fromHttpGet('/readyz', { port: HTTP_PORT, periodSeconds: Duration.seconds(5), failureThreshold: 2 }),
        resources: {
          cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
          memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
        },
        securityContext: {
          ensureNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          user: 10001,
          group: 10001,
          // 'ALL' is what the restricted standard asks for; cdk8s-plus only lists single capabilities
          capabilities: { drop: ['ALL' as kplus.Capability] },
        },
      }],
    });
    const ca = props.kafka.tls?.caSecret;
    if (ca) {
      const volume = kplus.Volume.fromSecret(this, 'KafkaCa', kplus.Secret.fromSecretName(this, 'KafkaCaSecret', ca.name), {
        name: 'kafka-ca', items: { [ca.key]: { path: 'ca.crt' } },
      });
      this.deployment.containers[0].mount(PROCESSOR_KAFKA_CA_DIR, volume, { readOnly: true });
    }
    // cdk8s-plus-27 has no seccomp setting; the restricted Pod Security Standard requires RuntimeDefault
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));

    const selector = { 'app.kubernetes.io/name': this.name };
    this.deployment.select(kplus.LabelSelector.of({ labels: selector }));

    const service = new kplus.Service(this, 'MetricsService', {
      metadata: { ...metadata, name: `${this.name}-metrics`, annotations },
      ports: [{ name: 'http', port: HTTP_PORT, targetPort: HTTP_PORT }],
    });
    service.selectLabel('app.kubernetes.io/name', this.name);

    new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { ...metadata, name: this.name, annotations },
      spec: {
        maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: selector },
      },
    });
  }

  private buildEnvironment(props: EventProcessorProps): Record<string, kplus.EnvValue> {
    const value = kplus.EnvValue.fromValue;
    const env: Record<string, kplus.EnvValue> = {
      [PROCESSOR_ENV.brokers]: value(props.kafka.bootstrapServers),
      [PROCESSOR_ENV.groupId]: value(props.groupId ?? this.name),
      [PROCESSOR_ENV.clientId]: value(this.name),
      [PROCESSOR_ENV.sinkTopic]: value(props.sinkTopic),
      [PROCESSOR_ENV.dlqTopic]: value(props.dlqTopic ?? defaultDlqTopic(props.sinkTopic)),
      [PROCESSOR_ENV.processingGuarantee]: value(props.processingGuarantee ?? PROCESSOR_ENV_DEFAULTS.processingGuarantee),
      [PROCESSOR_ENV.httpPort]: value(String(HTTP_PORT)),
    };
    if (props.sourceTopics?.length) env[PROCESSOR_ENV.sourceTopics] = value(props.sourceTopics.join(','));
    if (props.sourceTopicPattern) env[PROCESSOR_ENV.sourceTopicPattern] = value(props.sourceTopicPattern);
    const routes = Object.entries(props.tenantRoutes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (routes.length > 0) env[PROCESSOR_ENV.tenantRoutes] = value(JSON.stringify(Object.fromEntries(routes)));
    const masks = Object.entries(props.columnMasks ?? {}).filter(([, tables]) => Object.keys(tables).length > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (masks.length > 0) {
      env[PROCESSOR_ENV.columnMasks] = value(JSON.stringify(Object.fromEntries(masks)));
      const hashes = masks.some(([, tables]) => Object.values(tables).some((t) => (t.hash ?? []).length > 0));
      if (hashes && !props.maskingSalt) throw new Error(`event processor ${this.name}: columnMasks hash columns, so set maskingSalt (the tenants file's masking.salt)`);
      if (hashes) env[PROCESSOR_ENV.maskingSalt] = value(props.maskingSalt!);
    }
    const snapshots = Object.entries(props.snapshotConnectors ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (snapshots.length > 0) env[PROCESSOR_ENV.snapshotConnectors] = value(JSON.stringify(Object.fromEntries(snapshots)));
    if (props.kafka.tls?.caSecret) env.NODE_EXTRA_CA_CERTS = value(`${PROCESSOR_KAFKA_CA_DIR}/ca.crt`);
    // SASL implies TLS; TLS without SASL must be asked for
    if (props.kafka.tls && !props.kafka.auth) env[PROCESSOR_ENV.tls] = value('true');
    const auth = props.kafka.auth;
    if (auth) {
      env[PROCESSOR_ENV.saslMechanism] = value(auth.mechanism);
      env[PROCESSOR_ENV.saslUsername] = value(auth.username);
      // named in its messages about refused logins and missing ACLs
      if (auth.principal) env[PROCESSOR_ENV.principal] = value(auth.principal);
      const secret = kplus.Secret.fromSecretName(this, 'KafkaPassword', auth.passwordSecret.name);
      env[PROCESSOR_ENV.saslPassword] = kplus.EnvValue.fromSecretValue({ secret, key: auth.passwordSecret.key });
    }
    return env;
  }
}
