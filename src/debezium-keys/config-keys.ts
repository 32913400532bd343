import { compareDebeziumVersions } from '../connectors/database-kind';

/**
 * Which Debezium release reads each key tenant-cdc's connectors write. Connect's `config/validate` passes keys
 * nothing reads, so a key a cluster's Debezium does not know is dropped without a word: `topic.heartbeat.name`
 * (3.6) on a 3.5 cluster left every tenant writing heartbeats to a topic of its own that the footprint, the
 * budget and the ACLs did not count. A connector writes a key only for plugins that read it
 * (`debeziumReads`), and a test fails for a key written without an entry here.
 *
 * Read in Debezium's source (github.com/debezium/debezium) at the tags named; `since` is the first release
 * that reads the key, or the oldest release the tenants file accepts when it was read before that.
 */

/** The oldest Debezium release the tenants file accepts (`debezium.version`: any 3.x). */
export const OLDEST_DEBEZIUM_VERSION = '3.0.0.Alpha1';

/** What reads a connector config key. */
export type ConfigKeyReader =
  /** Debezium's connector (from `since` on). */
  | 'debezium'
  /** Kafka clients Debezium builds from a prefix of its config (from `since` on). */
  | 'debezium-kafka-client'
  /** The Kafka Connect worker (KIP-158 topic creation), whatever the Debezium version. */
  | 'kafka-connect'
  /** Nothing: a key written on purpose so that a change of it changes the config (credentials.version). */
  | 'nobody';

export interface ConfigKeyEntry {
  /** The key, or for keys with a variable part a pattern of the whole key. */
  readonly key: string | RegExp;
  readonly readBy: ConfigKeyReader;
  /** The first Debezium release that reads it (see the file's comment); absent for Connect's keys and `nobody`. */
  readonly since?: string;
  /** Where Debezium (or Connect) reads it, at the tag of `since`. */
  readonly source: string;
}

const FLOOR = OLDEST_DEBEZIUM_VERSION;
const COMMON = 'debezium-core/.../config/CommonConnectorConfig.java';
const RELATIONAL = 'debezium-core/.../relational/RelationalDatabaseConnectorConfig.java';
const JDBC = 'debezium-core/.../jdbc/JdbcConfiguration.java, under RelationalDatabaseConnectorConfig\'s "database." prefix';
const KAFKA_HISTORY = 'debezium-storage-kafka/.../history/KafkaSchemaHistory.java';
const POSTGRES = 'debezium-connector-postgres/.../PostgresConnectorConfig.java';
// in debezium-core up to 3.x's early releases, in debezium-connector-common later: the same class and keys
const SIGNAL_CHANNEL = 'debezium-core/.../pipeline/signal/channels/KafkaSignalChannel.java';

/** Every key tenant-cdc's Debezium connectors write. */
export const CONNECTOR_CONFIG_KEYS: readonly ConfigKeyEntry[] = [
  { key: 'topic.prefix', readBy: 'debezium', since: FLOOR, source: `${COMMON} TOPIC_PREFIX` },
  { key: 'database.hostname', readBy: 'debezium', since: FLOOR, source: `${JDBC} HOSTNAME` },
  { key: 'database.port', readBy: 'debezium', since: FLOOR, source: `${JDBC} PORT` },
  { key: 'database.user', readBy: 'debezium', since: FLOOR, source: `${JDBC} USER` },
  { key: 'database.password', readBy: 'debezium', since: FLOOR, source: `${JDBC} PASSWORD` },
  { key: 'database.dbname', readBy: 'debezium', since: FLOOR, source: `${JDBC} DATABASE (PostgreSQL)` },
  { key: 'database.names', readBy: 'debezium', since: FLOOR, source: 'debezium-connector-sqlserver/.../SqlServerConnectorConfig.java DATABASE_NAMES' },
  { key: 'database.include.list', readBy: 'debezium', since: FLOOR, source: `${RELATIONAL} DATABASE_INCLUDE_LIST` },
  { key: 'database.server.id', readBy: 'debezium', since: FLOOR, source: 'debezium-connector-binlog/.../BinlogConnectorConfig.java SERVER_ID' },
  { key: /^driver\.[A-Za-z]+$/, readBy: 'debezium', since: FLOOR, source: `${RELATIONAL}: config.subset(DRIVER_CONFIG_PREFIX) into the JDBC connection` },
  { key: 'table.include.list', readBy: 'debezium', since: FLOOR, source: `${RELATIONAL} TABLE_INCLUDE_LIST` },
  { key: 'column.include.list', readBy: 'debezium', since: FLOOR, source: `${RELATIONAL} COLUMN_INCLUDE_LIST` },
  { key: 'column.exclude.list', readBy: 'debezium', since: FLOOR, source: `${RELATIONAL} COLUMN_EXCLUDE_LIST` },
  { key: /^column\.mask\.hash\.v2\.SHA-256\.with\.salt\..+$/, readBy: 'debezium', since: FLOOR, source: 'debezium-core/.../relational/mapping/ColumnMappers.java maskStringsByHashingV2' },
  { key: /^column\.mask\.with\.[0-9]+\.chars$/, readBy: 'debezium', since: FLOOR, source: `${RELATIONAL} MASK_COLUMN` },
  { key: /^column\.truncate\.to\.[0-9]+\.chars$/, readBy: 'debezium', since: FLOOR, source: `${RELATIONAL} TRUNCATE_COLUMN` },
  { key: 'snapshot.mode', readBy: 'debezium', since: FLOOR, source: 'each connector\'s SNAPSHOT_MODE (values: see SNAPSHOT_MODES_SINCE)' },
  { key: 'heartbeat.interval.ms', readBy: 'debezium', since: FLOOR, source: 'debezium-core/.../heartbeat/Heartbeat.java HEARTBEAT_INTERVAL' },
  { key: 'topic.heartbeat.name', readBy: 'debezium', since: '3.6.0.Alpha1', source: 'debezium-connector-common/.../schema/AbstractTopicNamingStrategy.java (absent at v3.5.2.Final)' },
  { key: 'decimal.handling.mode', readBy: 'debezium', since: FLOOR, source: `${RELATIONAL} DECIMAL_HANDLING_MODE` },
  { key: 'binary.handling.mode', readBy: 'debezium', since: FLOOR, source: `${COMMON} BINARY_HANDLING_MODE` },
  { key: 'include.schema.changes', readBy: 'debezium', since: FLOOR, source: `${RELATIONAL} INCLUDE_SCHEMA_CHANGES` },
  { key: 'max.batch.size', readBy: 'debezium', since: FLOOR, source: `${COMMON} MAX_BATCH_SIZE` },
  { key: 'max.queue.size', readBy: 'debezium', since: FLOOR, source: `${COMMON} MAX_QUEUE_SIZE` },
  { key: 'max.queue.size.in.bytes', readBy: 'debezium', since: FLOOR, source: `${COMMON} MAX_QUEUE_SIZE_IN_BYTES` },
  { key: 'custom.metric.tags', readBy: 'debezium', since: FLOOR, source: `${COMMON} CUSTOM_METRIC_TAGS` },
  { key: 'errors.max.retries', readBy: 'debezium', since: FLOOR, source: `${COMMON} ERRORS_MAX_RETRIES` },
  { key: 'plugin.name', readBy: 'debezium', since: FLOOR, source: `${POSTGRES} PLUGIN_NAME` },
  { key: 'slot.name', readBy: 'debezium', since: FLOOR, source: `${POSTGRES} SLOT_NAME` },
  { key: 'publication.name', readBy: 'debezium', since: FLOOR, source: `${POSTGRES} PUBLICATION_NAME` },
  { key: 'publication.autocreate.mode', readBy: 'debezium', since: FLOOR, source: `${POSTGRES} PUBLICATION_AUTOCREATE_MODE` },
  { key: 'schema.history.internal.kafka.bootstrap.servers', readBy: 'debezium', since: FLOOR, source: `${KAFKA_HISTORY} BOOTSTRAP_SERVERS` },
  { key: 'schema.history.internal.kafka.topic', readBy: 'debezium', since: FLOOR, source: `${KAFKA_HISTORY} TOPIC` },
  { key: 'schema.history.internal.kafka.query.timeout.ms', readBy: 'debezium', since: FLOOR, source: `${KAFKA_HISTORY} KAFKA_QUERY_TIMEOUT_MS` },
  {
    key: 'schema.history.internal.store.only.captured.databases.ddl', readBy: 'debezium', since: FLOOR,
    source: 'debezium-core/.../relational/history/SchemaHistory.java STORE_ONLY_CAPTURED_DATABASES_DDL',
  },
  {
    key: /^schema\.history\.internal\.(producer|consumer)\.(security\.protocol|sasl\.mechanism|sasl\.jaas\.config|ssl\.truststore\.type|ssl\.truststore\.certificates)$/,
    readBy: 'debezium-kafka-client', since: FLOOR, source: `${KAFKA_HISTORY}: config.subset(PRODUCER_PREFIX), subset(CONSUMER_PREFIX) into its Kafka clients`,
  },
  { key: 'signal.enabled.channels', readBy: 'debezium', since: FLOOR, source: `${COMMON} SIGNAL_ENABLED_CHANNELS` },
  { key: 'signal.data.collection', readBy: 'debezium', since: FLOOR, source: `${COMMON} SIGNAL_DATA_COLLECTION` },
  {
    key: /^signal\.kafka\.(topic|bootstrap\.servers|groupId|poll\.timeout\.ms)$/, readBy: 'debezium', since: FLOOR,
    source: `${SIGNAL_CHANNEL} SIGNAL_TOPIC, BOOTSTRAP_SERVERS, GROUP_ID, SIGNAL_POLL_TIMEOUT_MS`,
  },
  {
    key: /^signal\.consumer\.(security\.protocol|sasl\.mechanism|sasl\.jaas\.config|ssl\.truststore\.type|ssl\.truststore\.certificates)$/,
    readBy: 'debezium-kafka-client', since: FLOOR, source: `${SIGNAL_CHANNEL}: subset(CONSUMER_PREFIX) into its Kafka consumer`,
  },
  { key: 'incremental.snapshot.watermarking.strategy', readBy: 'debezium', since: FLOOR, source: `${COMMON} INCREMENTAL_SNAPSHOT_WATERMARKING_STRATEGY` },
  { key: 'notification.enabled.channels', readBy: 'debezium', since: FLOOR, source: `${COMMON} NOTIFICATION_ENABLED_CHANNELS` },
  { key: 'notification.sink.topic.name', readBy: 'debezium', since: FLOOR, source: 'debezium-core/.../pipeline/notification/channels/SinkNotificationChannel.java NOTIFICATION_TOPIC' },
  { key: /^topic\.creation\.default\.(replication\.factor|partitions)$/, readBy: 'kafka-connect', source: 'Kafka Connect (KIP-158, Kafka 2.6) with topic.creation.enable' },
  { key: 'tenant-cdc.credentials.version', readBy: 'nobody', source: 'tenant-cdc: CREDENTIALS_VERSION_KEY' },
];

/**
 * Snapshot modes the tenants file accepts that a Debezium release reads only from a later version on; the
 * others are read from the floor on (each connector's SnapshotMode enum at v3.0.0.Alpha1).
 */
export const SNAPSHOT_MODES_SINCE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // SqlServerConnectorConfig.SnapshotMode WHEN_NEEDED_NO_DATA: absent at v3.5.2.Final, there at v3.6.0.Beta1 (debezium/dbz#1513)
  sqlserver: { when_needed_no_data: '3.6.0.Beta1' },
};

/** The entry of a key, if tenant-cdc knows it. */
export function configKeyEntry(key: string): ConfigKeyEntry | undefined {
  return CONNECTOR_CONFIG_KEYS.find((entry) => (typeof entry.key === 'string' ? entry.key === key : entry.key.test(key)));
}

/** True when a plugin of this Debezium release reads `key`; a key without an entry is an error. */
export function debeziumReads(key: string, pluginVersion: string): boolean {
  const entry = configKeyEntry(key);
  if (!entry) throw new Error(`tenant-cdc has no entry for the connector key ${key}: add it to CONNECTOR_CONFIG_KEYS with the Debezium release that first reads it`);
  return entry.since === undefined || compareDebeziumVersions(pluginVersion, entry.since) >= 0;
}
