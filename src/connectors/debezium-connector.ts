import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { KafkaConnector, KafkaConnectorSpec, KafkaConnectorSpecState } from '../../imports/strimzi-connector-kafka.strimzi.io';
import { IConnectCluster } from '../connect-cluster';
import { DEBEZIUM_PLUGINS, DEFAULT_DEBEZIUM_VERSION, pluginVersion } from './database-kind';
import { debeziumReads } from '../debezium-keys/config-keys';
import { kafkaClientConfig, kafkaSecretNames, secretPlaceholder, usesTls } from '../kafka-connection';
import { COMMON_LABELS, SyncWave, syncWave, TENANT_LABEL } from '../labels';
import { DEBEZIUM_QUEUE, DEBEZIUM_RETRIES } from '../fleet/sizing';
import { escapeRegExp, heartbeatTopic, schemaHistoryTopic, topicPrefix } from '../names';
import { DatabaseKindName, DEFAULT_PORTS, DNS_LABEL, MAX_TENANT_ID_LENGTH } from '../tenants/rules';
import type { TableColumns } from '../tenants/tables';
import { signalConfig } from '../snapshots/signal-config';

/** The config key that carries `credentials.version`; Connect and Debezium ignore keys they do not know. */
export const CREDENTIALS_VERSION_KEY = 'tenant-cdc.credentials.version';

/** A value in a connector's `spec.config`. */
export type ConnectorConfigValue = string | number | boolean;

/** The database a connector captures. */
export interface DatabaseEndpoint {
  /** Host name or IP address of the server. */
  readonly host: string;
  /**
   * Server port.
   *
   * @default - the kind's default: 1433 (SQL Server), 5432 (PostgreSQL), 3306 (MySQL, MariaDB)
   */
  readonly port?: number;
  /** The database to capture. */
  readonly name: string;
}

/** Where the connector's database user name and password are: an existing Secret. */
export interface DatabaseCredentials {
  /** Name of the Secret, in the Connect cluster's namespace. */
  readonly secret: string;
  /**
   * Key of the user name.
   *
   * @default 'username'
   */
  readonly usernameKey?: string;
  /**
   * Key of the password.
   *
   * @default 'password'
   */
  readonly passwordKey?: string;
  /**
   * Bump it after rotating the password in the Secret: the connector's config changes, so Strimzi updates
   * it and Connect restarts exactly this connector, which reads the Secret again (the config provider
   * reads it at every start and never watches it). A config value, unlike Strimzi's one-shot restart
   * annotation, is safe to keep in git: applying it again changes nothing.
   *
   * @default - none
   */
  readonly version?: string;
}

/** Options every Debezium connector takes. */
export interface DebeziumConnectorOptions {
  /** The tenant; it names the KafkaConnector, the `topic.prefix` and so the topics. Never change it. */
  readonly tenantId: string;
  /** The database to capture. */
  readonly database: DatabaseEndpoint;
  /** The Secret with the database credentials. */
  readonly credentials: DatabaseCredentials;
  /** Tables to capture, `schema.table` (MySQL and MariaDB: `database.table`). */
  readonly tables: readonly string[];
  /**
   * Column rules of some of the tables: columns left out, hashed, replaced by asterisks or truncated by
   * Debezium at the source, so the values never reach Kafka.
   *
   * @default - every column as it is
   */
  readonly columns?: readonly TableColumns[];
  /**
   * The salt hashed columns get: Debezium takes it in a property name, so it is written into the output.
   *
   * @default - none; required when a table hashes columns
   */
  readonly hashSalt?: string;
  /**
   * Debezium 3 snapshot mode.
   *
   * @default 'initial'
   */
  readonly snapshotMode?: string;
  /**
   * The state Strimzi applies.
   *
   * @default 'running'
   */
  readonly state?: 'running' | 'paused' | 'stopped';
  /**
   * Heartbeat interval in milliseconds, so offsets of quiet tenants keep moving; 0 turns heartbeats off.
   * Heartbeats go to one topic per Connect cluster (`__debezium-heartbeat.<cluster>`), not one per tenant,
   * on plugins of Debezium 3.6 and later (MariaDB's is older, see `MariaDbConnector`); older plugins write to
   * `__debezium-heartbeat.<tenant>`.
   *
   * @default 60000
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * Partitions of each change topic Connect creates for this connector. Rows keep their order with any
   * count (a row's events share a key); more partitions only add consumer parallelism, and cost.
   *
   * @default 1
   */
  readonly topicPartitions?: number;
}

export interface DebeziumConnectorProps extends DebeziumConnectorOptions {
  /** The Connect cluster the connector runs on. */
  readonly cluster: IConnectCluster;
}

/**
 * The shared base of the Debezium connectors: a Strimzi KafkaConnector (`kafka.strimzi.io/v1`) bound to
 * its Connect cluster, with Debezium 3 keys only, credentials as config-provider placeholders, a stable
 * `topic.prefix`, heartbeats, and JSON-friendly value handling.
 */
export abstract class DebeziumConnector extends Construct {
  /** The KafkaConnector name, which Connect also keys offsets by. */
  public readonly name: string;
  /** The database kind. */
  public readonly kind: DatabaseKindName;
  /** Debezium's `topic.prefix`: the first part of every topic the connector writes. */
  public readonly topicPrefix: string;
  /** The Connect cluster it runs on. */
  public get clusterName(): string {
    return this.cluster.name;
  }
  /** Names of the Secrets the connector reads through the config provider; Connect needs `get` on each. */
  public readonly secretNames: readonly string[];
  /** The Debezium release of the plugin this connector runs on: its cluster's, or MariaDB's newest (see `pluginVersion`). */
  public readonly pluginVersion: string;
  protected readonly cluster: IConnectCluster;
  protected readonly options: DebeziumConnectorOptions;
  private readonly extraConfig: Record<string, ConnectorConfigValue> = {};
  private readonly apiObject: KafkaConnector;

  protected constructor(scope: Construct, id: string, props: DebeziumConnectorProps, kind: DatabaseKindName) {
    super(scope, id);
    if (!DNS_LABEL.test(props.tenantId) || props.tenantId.length > MAX_TENANT_ID_LENGTH) {
      throw new Error(`tenant id ${JSON.stringify(props.tenantId)} is not a DNS-1123 label of at most ${MAX_TENANT_ID_LENGTH} characters; `
        + 'use lowercase letters, digits and \'-\'');
    }
    if (props.tables.length === 0) throw new Error(`tenant ${props.tenantId} captures no tables; list them as schema.table`);
    for (const rules of props.columns ?? []) {
      if (!props.tables.includes(rules.table)) throw new Error(`tenant ${props.tenantId} has column rules for ${rules.table}, which it does not capture; add it to tables`);
      if (rules.hash?.length && !props.hashSalt) throw new Error(`tenant ${props.tenantId} hashes columns of ${rules.table} but has no hashSalt; set one`);
    }
    this.kind = kind;
    this.cluster = props.cluster;
    this.options = props;
    this.name = props.tenantId;
    this.topicPrefix = topicPrefix(props.tenantId);
    this.pluginVersion = pluginVersion(kind, props.cluster.debeziumVersion ?? DEFAULT_DEBEZIUM_VERSION);
    // the signal consumer (and the schema history clients) read the Kafka password and a private CA through the provider too
    const kafkaSecrets = kafkaSecretNames(props.cluster.kafka);
    this.secretNames = [...new Set([props.credentials.secret, ...kafkaSecrets])].sort();

    this.apiObject = new KafkaConnector(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: props.cluster.namespace,
        labels: { ...COMMON_LABELS, 'strimzi.io/cluster': props.cluster.name, ...this.ownerLabels() },
        annotations: syncWave(SyncWave.CONNECTORS),
      },
      spec: Lazy.any({ produce: () => this._toKube() }) as unknown as KafkaConnectorSpec,
    });
  }

  /**
   * The captured tables as Debezium names data collections in signals and notifications: SQL Server
   * `database.schema.table` (each database of a group), PostgreSQL `schema.table`, MySQL and MariaDB `database.table`.
   */
  public get dataCollections(): readonly string[] {
    return this.kind === 'sqlserver' ? this.signalDatabases().flatMap((db) => this.options.tables.map((t) => `${db}.${t}`)) : [...this.options.tables];
  }

  /** The generated KafkaConnector, for patches this construct has no prop for. */
  public get resource(): ApiObject {
    return this.apiObject;
  }

  /**
   * Adds a Debezium or Connect setting the construct does not set itself.
   *
   * A value that reads another Secret (`${secrets:<namespace>/<secret>:<key>}`) is not granted: the Connect
   * cluster's Role (`CdcPlatform.secretAccess`) names the Secrets of `secretNames`, fixed when the platform
   * is built; grant it with a `SecretAccess` of your own.
   *
   * @throws when the key is already set, or is one Strimzi forbids in `spec.config`
   */
  public addConfig(key: string, value: ConnectorConfigValue): void {
    if (['name', 'connector.class', 'tasks.max', 'connector.plugin.version'].includes(key)) {
      throw new Error(`${key} cannot be set in a KafkaConnector's config: Strimzi takes it from metadata.name, spec.class or spec.tasksMax`);
    }
    if (key in this.extraConfig || key in this.baseConfig()) {
      throw new Error(`connector ${this.name} already sets ${key}; each key can be set once`);
    }
    this.extraConfig[key] = value;
  }

  /** The label that says whose connector this is: its tenant's. */
  protected ownerLabels(): Record<string, string> {
    return { [TENANT_LABEL]: this.options.tenantId };
  }

  /** `spec.tasksMax`: one task captures one database. */
  protected tasksMax(): number {
    return 1;
  }

  /** Settings of this database kind (host, database, slots, history...). */
  protected abstract kindConfig(): Record<string, ConnectorConfigValue>;

  /** True for connectors that keep a schema history topic (SQL Server, MySQL, MariaDB). */
  protected abstract usesSchemaHistory(): boolean;

  /**
   * True when the connector's plugin reads `topic.heartbeat.name` (Debezium 3.6.0.Alpha1 and later), so its
   * heartbeats go to its Connect cluster's one heartbeat topic; an older plugin would ignore the key and write
   * to Debezium's own `__debezium-heartbeat.<prefix>`, so it is not written and the footprint and ACLs count that topic.
   */
  protected sharesHeartbeatTopic(): boolean {
    return debeziumReads('topic.heartbeat.name', this.pluginVersion);
  }

  /** The databases the connector captures, each with a signal table of its own. */
  protected signalDatabases(): readonly string[] {
    return [this.options.database.name];
  }

  /** `table.include.list`: anchored regexes, so each name is escaped. */
  protected tableIncludeList(): string {
    return this.options.tables.map(escapeRegExp).join(',');
  }

  /**
   * The schema history settings, with the cluster's TLS and SASL for its own Kafka clients: they log in as
   * the Connect cluster's principal, but do not inherit the worker's settings (Debezium's KafkaSchemaHistory
   * builds them from `schema.history.internal.producer.*` and `.consumer.*` alone).
   */
  protected schemaHistoryConfig(): Record<string, ConnectorConfigValue> {
    const kafka = this.cluster.kafka;
    return {
      'schema.history.internal.kafka.bootstrap.servers': kafka.bootstrapServers,
      'schema.history.internal.kafka.topic': schemaHistoryTopic(this.options.tenantId),
      ...(usesTls(kafka) && {
        // TLS and SASL handshakes with a managed Kafka can exceed the 3 s default (DBZ-4518)
        'schema.history.internal.kafka.query.timeout.ms': 15000,
        ...kafkaClientConfig('schema.history.internal.producer.', kafka, this.cluster.namespace),
        ...kafkaClientConfig('schema.history.internal.consumer.', kafka, this.cluster.namespace),
      }),
    };
  }

  /**
   * Debezium's column filters and masks, as anchored regexes of `schema.table.column` (MySQL and MariaDB
   * `db.table.column`). With an include list, every other captured table keeps all its columns.
   */
  private columnConfig(): Record<string, ConnectorConfigValue> {
    const rules = this.options.columns ?? [];
    const full = (table: string, column: string) => escapeRegExp(`${table}.${column}`);
    const columnsOf = (pick: (r: TableColumns) => readonly string[] | undefined) => rules.flatMap((r) => (pick(r) ?? []).map((c) => full(r.table, c)));
    const config: Record<string, ConnectorConfigValue> = {};
    if (rules.some((r) => r.include)) {
      config['column.include.list'] = this.options.tables.flatMap((table) => {
        const include = rules.find((r) => r.table === table)?.include;
        return include ? include.map((c) => full(table, c)) : [`${escapeRegExp(table)}\\..+`];
      }).join(',');
    }
    const excluded = columnsOf((r) => r.exclude);
    if (excluded.length > 0) config['column.exclude.list'] = excluded.join(',');
    const hashed = columnsOf((r) => r.hash);
    // the v2 strategy hashes the value's text (v1 hashed its Java serialization): SHA-256(salt + value)
    if (hashed.length > 0) config[`column.mask.hash.v2.SHA-256.with.salt.${this.options.hashSalt}`] = hashed.join(',');
    for (const [rule, key] of [['asterisks', 'column.mask.with.%d.chars'], ['truncate', 'column.truncate.to.%d.chars']] as const) {
      const byLength = new Map<number, string[]>();
      for (const r of rules) {
        for (const [column, length] of Object.entries(r[rule] ?? {})) byLength.set(length, [...(byLength.get(length) ?? []), full(r.table, column)]);
      }
      for (const [length, columns] of [...byLength].sort(([a], [b]) => a - b)) config[key.replace('%d', String(length))] = columns.join(',');
    }
    return config;
  }

  private baseConfig(): Record<string, ConnectorConfigValue> {
    const { credentials, tenantId } = this.options;
    const namespace = this.cluster.namespace;
    const heartbeatMs = this.options.heartbeatIntervalMs ?? 60000;
    return {
      'topic.prefix': this.topicPrefix,
      'database.hostname': this.options.database.host,
      'database.port': this.options.database.port ?? DEFAULT_PORTS[this.kind],
      'database.user': secretPlaceholder(namespace, credentials.secret, credentials.usernameKey ?? 'username'),
      'database.password': secretPlaceholder(namespace, credentials.secret, credentials.passwordKey ?? 'password'),
      'table.include.list': this.tableIncludeList(),
      'snapshot.mode': this.options.snapshotMode ?? 'initial',
      'heartbeat.interval.ms': heartbeatMs,
      ...(heartbeatMs > 0 && this.sharesHeartbeatTopic() && { 'topic.heartbeat.name': heartbeatTopic(this.cluster.name) }),
      // JSON consumers read exact decimals as strings; `precise` would arrive as base64 bytes
      'decimal.handling.mode': 'string',
      'binary.handling.mode': 'base64',
      // the broker's replication factor (-1), and an explicit partition count: a managed Kafka's default
      // (6 on Confluent Cloud) times hundreds of tenants' tables exceeds its partition limit
      'topic.creation.default.replication.factor': -1,
      'topic.creation.default.partitions': this.options.topicPartitions ?? 1,
      // bounded memory per task, so a Connect worker can hold hundreds of tenants (docs/fleets.md: Sizing)
      'max.batch.size': DEBEZIUM_QUEUE.maxBatchSize,
      'max.queue.size': DEBEZIUM_QUEUE.maxQueueSize,
      'max.queue.size.in.bytes': DEBEZIUM_QUEUE.maxQueueBytes,
      'custom.metric.tags': `tenant=${tenantId}`,
      // a tenant whose capture keeps failing ends FAILED with its reason (Debezium's default retries for ever
      // while Connect says RUNNING); a failure at task start is never counted (DEBEZIUM_RETRIES says why)
      'errors.max.retries': DEBEZIUM_RETRIES.maxRetries,
      ...(credentials.version !== undefined && { [CREDENTIALS_VERSION_KEY]: credentials.version }),
      ...this.columnConfig(),
      // the schema change topic (<prefix>) is for consumers of raw topics: the processor skips it
      ...(this.usesSchemaHistory() && { 'include.schema.changes': false }),
      // a table added later is snapshotted while the connector streams, on a signal (src/snapshots/)
      ...signalConfig({
        kind: this.kind, prefix: this.topicPrefix, databases: this.signalDatabases(), connectName: this.cluster.name, namespace, kafka: this.cluster.kafka,
      }),
      ...this.kindConfig(),
    };
  }

  /** @internal */
  public _toKube(): KafkaConnectorSpec {
    return {
      class: DEBEZIUM_PLUGINS[this.kind].connectorClass,
      tasksMax: this.tasksMax(),
      state: this.options.state as KafkaConnectorSpecState | undefined ?? KafkaConnectorSpecState.RUNNING,
      autoRestart: { enabled: true },
      // cdk8s writes every object's keys sorted, so the config is easy to scan and diff
      config: { ...this.baseConfig(), ...this.extraConfig },
    };
  }
}
