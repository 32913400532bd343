import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import {
  KafkaConnect,
  KafkaConnectSpec,
  KafkaConnectSpecAuthenticationType,
  KafkaConnectSpecBuildOutputType,
  KafkaConnectSpecBuildPluginsArtifactsType,
  KafkaConnectSpecMetricsConfigType,
  KafkaConnectSpecResourcesLimits,
  KafkaConnectSpecResourcesRequests,
} from '../imports/strimzi-connect-kafka.strimzi.io';
import { DEBEZIUM_GROUP, DEBEZIUM_PLUGINS, DEFAULT_DEBEZIUM_VERSION, pluginVersion } from './connectors/database-kind';
import { KafkaConnection, principalOf, SECRETS_PROVIDER_ALIAS, usesTls } from './kafka-connection';
import { COMMON_LABELS, KAFKA_PRINCIPAL_ANNOTATION, SyncWave, syncWave } from './labels';
import { CONNECT_METRICS_CONFIG } from './metrics-config';
import { DATABASE_KINDS, DatabaseKindName, DNS_LABEL, MAX_CONNECT_NAME_LENGTH } from './tenants/rules';

/** A Strimzi Kafka Connect cluster that Debezium connectors run on, owned by this app or not. */
export interface IConnectCluster extends IConstruct {
  /** The KafkaConnect name; KafkaConnectors bind to it with label `strimzi.io/cluster`. */
  readonly name: string;
  /** The namespace of the cluster; its KafkaConnectors must live there too. */
  readonly namespace: string;
  /** The ServiceAccount Strimzi gives the Connect pods: `<name>-connect`. */
  readonly serviceAccountName: string;
  /** How the workers reach Kafka, as the cluster's own principal; connectors' own clients (schema history) reuse it. */
  readonly kafka: KafkaConnection;
  /**
   * The Debezium release of the cluster's plugins: connectors write only the keys it reads (CONNECTOR_CONFIG_KEYS).
   *
   * @default '3.6.1.Final'
   */
  readonly debeziumVersion?: string;
}

/** Have Strimzi build the Connect image with the Debezium plugins, and push it. */
export interface ConnectImageBuild {
  /** The image to build and push, e.g. `registry.example.com/connect-debezium:latest`. */
  readonly image: string;
  /**
   * Secret of type `kubernetes.io/dockerconfigjson` with push credentials.
   *
   * @default - no credentials
   */
  readonly pushSecret?: string;
}

export interface ConnectClusterProps {
  /**
   * The KafkaConnect name; also the Connect group id and the prefix of its three storage topics.
   *
   * @default 'tenant-cdc'
   */
  readonly name?: string;
  /** The namespace of the cluster and its connectors. */
  readonly namespace: string;
  /** The Kafka cluster, and the credentials this cluster's workers and connectors log in with. */
  readonly kafka: KafkaConnection;
  /**
   * Number of Connect workers.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * A prebuilt image holding the Debezium plugins; with `build`, Strimzi's base image for the build.
   *
   * @default - Strimzi's Kafka image for the operator's default Kafka version (no Debezium in it: set `build`)
   */
  readonly image?: string;
  /**
   * Build the image with the Debezium plugins of `plugins` (and of every connector added later).
   *
   * @default - no build: `image` must already hold the plugins
   */
  readonly build?: ConnectImageBuild;
  /**
   * Database kinds whose Debezium plugin the build adds.
   *
   * @default - none; `addPlugin` adds more
   */
  readonly plugins?: readonly DatabaseKindName[];
  /**
   * Version of the Debezium plugins the build adds (a plugin Maven Central has only up to an older release,
   * MariaDB's, is built at that release: see `pluginVersion`).
   *
   * @default '3.6.1.Final'
   */
  readonly debeziumVersion?: string;
  /**
   * Memory of each worker; the JVM heap gets three quarters of it.
   *
   * @default '2Gi'
   */
  readonly memory?: string;
  /**
   * CPU each worker requests.
   *
   * @default '500m'
   */
  readonly cpu?: string;
}

/**
 * Defines a Strimzi KafkaConnect (`kafka.strimzi.io/v1`) managed through KafkaConnector resources,
 * with the Kubernetes Secret config provider for connector credentials, TLS and SASL from the Kafka
 * settings, Prometheus metrics, and either a prebuilt image or a Strimzi build of the Debezium plugins.
 */
export class ConnectCluster extends Construct implements IConnectCluster {
  /** Refers to a KafkaConnect that this app does not define. */
  public static fromConnectClusterName(scope: Construct, id: string, props: { name: string; namespace: string; kafka: KafkaConnection; debeziumVersion?: string }): IConnectCluster {
    return new ImportedConnectCluster(scope, id, props);
  }

  public readonly name: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly kafka: KafkaConnection;
  public readonly debeziumVersion: string;
  /** The ConfigMap with the Prometheus JMX exporter rules. */
  public readonly metricsConfigMapName: string;
  private readonly plugins = new Set<DatabaseKindName>();
  private readonly apiObject: KafkaConnect;

  constructor(scope: Construct, id: string, private readonly props: ConnectClusterProps) {
    super(scope, id);
    this.name = props.name ?? 'tenant-cdc';
    if (!DNS_LABEL.test(this.name) || this.name.length > MAX_CONNECT_NAME_LENGTH) {
      throw new Error(`connect name ${JSON.stringify(this.name)} is not a DNS-1123 label of at most ${MAX_CONNECT_NAME_LENGTH} characters; `
        + 'use lowercase letters, digits and \'-\'');
    }
    if (props.replicas !== undefined && (!Number.isInteger(props.replicas) || props.replicas < 0)) {
      throw new Error(`connect replicas must be a whole number of at least 0, got ${props.replicas}`);
    }
    this.namespace = props.namespace;
    this.serviceAccountName = `${this.name}-connect`;
    this.kafka = props.kafka;
    this.debeziumVersion = props.debeziumVersion ?? DEFAULT_DEBEZIUM_VERSION;
    this.metricsConfigMapName = `${this.name}-metrics`;
    for (const kind of props.plugins ?? []) this.addPlugin(kind);

    new k8s.KubeConfigMap(this, 'MetricsConfig', {
      metadata: { name: this.metricsConfigMapName, namespace: this.namespace, labels: { ...COMMON_LABELS }, annotations: syncWave(SyncWave.ACCESS) },
      data: { 'metrics-config.yml': CONNECT_METRICS_CONFIG },
    });

    this.apiObject = new KafkaConnect(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { ...COMMON_LABELS },
        annotations: {
          'strimzi.io/use-connector-resources': 'true',
          ...syncWave(SyncWave.CONNECT),
          // the principal its ACLs name (`npm run acls`), which the API key alone does not tell on Confluent Cloud
          ...(props.kafka.auth && { [KAFKA_PRINCIPAL_ANNOTATION]: principalOf(props.kafka.auth) }),
        },
      },
      spec: Lazy.any({ produce: () => this._toKube() }) as unknown as KafkaConnectSpec,
    });
  }

  /** The generated KafkaConnect, for patches this construct has no prop for. */
  public get resource(): ApiObject {
    return this.apiObject;
  }

  /** The database kinds whose Debezium plugin the build adds, sorted. */
  public get pluginKinds(): DatabaseKindName[] {
    return [...this.plugins].sort();
  }

  /** Adds the Debezium plugin of a database kind to the image build. */
  public addPlugin(kind: DatabaseKindName): void {
    if (!DEBEZIUM_PLUGINS[kind]) throw new Error(`no Debezium plugin for database kind ${JSON.stringify(kind)}; use ${DATABASE_KINDS.join(', ')}`);
    this.plugins.add(kind);
  }

  /** @internal */
  public _toKube(): KafkaConnectSpec {
    const memory = this.props.memory ?? '2Gi';
    const auth = this.kafka.auth;
    return {
      replicas: this.props.replicas ?? 2,
      bootstrapServers: this.kafka.bootstrapServers,
      groupId: this.name,
      configStorageTopic: `${this.name}-configs`,
      offsetStorageTopic: `${this.name}-offsets`,
      statusStorageTopic: `${this.name}-status`,
      ...(this.props.image && { image: this.props.image }),
      ...(usesTls(this.kafka) && {
        // an empty list means TLS with the JVM's public CA bundle, which is what Confluent Cloud needs
        tls: { trustedCertificates: this.kafka.tls?.caSecret ? [{ secretName: this.kafka.tls.caSecret.name, certificate: this.kafka.tls.caSecret.key }] : [] },
      }),
      ...(auth && {
        authentication: {
          type: auth.mechanism === 'plain' ? KafkaConnectSpecAuthenticationType.PLAIN : KafkaConnectSpecAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512,
          username: auth.username,
          passwordSecret: { secretName: auth.passwordSecret.name, password: auth.passwordSecret.key },
        },
      }),
      config: {
        'config.providers': SECRETS_PROVIDER_ALIAS,
        [`config.providers.${SECRETS_PROVIDER_ALIAS}.class`]: 'io.strimzi.kafka.KubernetesSecretConfigProvider',
        // -1: the broker's default replication factor (3 on Confluent Cloud)
        'config.storage.replication.factor': -1,
        'offset.storage.replication.factor': -1,
        'status.storage.replication.factor': -1,
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable': false,
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': false,
        'topic.creation.enable': true,
        // source offsets are saved every 10 s instead of 60 s: a crashed worker sends fewer changes again
        'offset.flush.interval.ms': 10000,
      },
      resources: {
        requests: { cpu: KafkaConnectSpecResourcesRequests.fromString(this.props.cpu ?? '500m'), memory: KafkaConnectSpecResourcesRequests.fromString(memory) },
        limits: { memory: KafkaConnectSpecResourcesLimits.fromString(memory) },
      },
      // Debezium's column hash is of value.toString().getBytes(), in the JVM's default charset: UTF-8 on Java 18+,
      // but the locale's on Java 17 (ASCII without one: every non-ASCII character hashed as '?'). UTF-8 everywhere
      // makes a hash the same on any worker and equal to the processor's (src/processor/column-masks.ts)
      jvmOptions: { javaSystemProperties: [{ name: 'file.encoding', value: 'UTF-8' }] },
      metricsConfig: {
        type: KafkaConnectSpecMetricsConfigType.JMX_PROMETHEUS_EXPORTER,
        valueFrom: { configMapKeyRef: { name: this.metricsConfigMapName, key: 'metrics-config.yml' } },
      },
      ...(this.props.build && { build_: this.buildSpec(this.props.build) }),
    };
  }

  private buildSpec(build: ConnectImageBuild): KafkaConnectSpec['build_'] {
    const version = this.props.debeziumVersion ?? DEFAULT_DEBEZIUM_VERSION;
    return {
      output: { type: KafkaConnectSpecBuildOutputType.DOCKER, image: build.image, ...(build.pushSecret && { pushSecret: build.pushSecret }) },
      plugins: this.pluginKinds.map((kind) => ({
        name: DEBEZIUM_PLUGINS[kind].artifact,
        artifacts: [{
          type: KafkaConnectSpecBuildPluginsArtifactsType.MAVEN,
          group: DEBEZIUM_GROUP,
          artifact: DEBEZIUM_PLUGINS[kind].artifact,
          version: pluginVersion(kind, version),
        }],
      })),
    };
  }
}

class ImportedConnectCluster extends Construct implements IConnectCluster {
  public readonly name: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly kafka: KafkaConnection;
  public readonly debeziumVersion?: string;

  constructor(scope: Construct, id: string, props: { name: string; namespace: string; kafka: KafkaConnection; debeziumVersion?: string }) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace;
    this.serviceAccountName = `${props.name}-connect`;
    this.kafka = props.kafka;
    if (props.debeziumVersion !== undefined) this.debeziumVersion = props.debeziumVersion;
  }
}
