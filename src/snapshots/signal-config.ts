/**
 * What a connector needs so that a table added to a running tenant can be snapshotted while it streams
 * (Debezium's incremental snapshots): a Kafka signal channel, where the snapshot reconciler sends
 * `execute-snapshot` signals, a signal table in the tenant's database, where Debezium writes the
 * watermarks that order snapshot rows against the changes streamed meanwhile, and notifications of each
 * snapshot's progress, the reconciler's ledger.
 *
 * Read in Debezium 3.6.1: KafkaSignalChannel (`signal.kafka.*`, `signal.consumer.*`; the record key must be
 * the `topic.prefix`; the offset of the last signal read is kept in the connector's offsets, so a restart
 * never reads a signal twice), SinkNotificationChannel (`notification.sink.topic.name`), and the
 * watermarking incremental snapshot, which needs `signal.data.collection` and the `source` channel (the
 * watermarks are signals it reads back from the log).
 */
import { kafkaClientConfig, KafkaConnection } from '../kafka-connection';
import type { DatabaseKindName } from '../tenants/rules';

/** How long each of Debezium's signal polls (every 5 s) may wait for the signal topic. */
export const SIGNAL_POLL_TIMEOUT_MS = 250;

/** The signal table's own name, in the tenant's schema (SQL Server `dbo`, PostgreSQL `public`) or database (MySQL, MariaDB). */
export const SIGNAL_TABLE = 'debezium_signal';

/**
 * Whether a table (its own name, without schema or database) is the signal table, in any case: SQL Server
 * and MySQL on Windows compare names case-insensitively, so the tenants file refuses it in any case too.
 */
export function isSignalTable(table: string): boolean {
  return table.toLowerCase() === SIGNAL_TABLE;
}

/** The schema the signal table is in, for the kinds whose tables are `schema.table`. */
export const SIGNAL_SCHEMA: Readonly<Record<'sqlserver' | 'postgres', string>> = { sqlserver: 'dbo', postgres: 'public' };

/** The signal table as the tenants file writes tables: `schema.table` (MySQL, MariaDB: `database.table`). */
export function signalTableName(kind: DatabaseKindName, database: string): string {
  return kind === 'sqlserver' || kind === 'postgres' ? `${SIGNAL_SCHEMA[kind]}.${SIGNAL_TABLE}` : `${database}.${SIGNAL_TABLE}`;
}

/**
 * `signal.data.collection` of one database: Debezium's spelling, `database.schema.table` for SQL Server,
 * `schema.table` for PostgreSQL, `database.table` for MySQL and MariaDB.
 */
export function signalDataCollection(kind: DatabaseKindName, database: string): string {
  return kind === 'sqlserver' ? `${database}.${signalTableName(kind, database)}` : signalTableName(kind, database);
}

/** The topic a Connect cluster's connectors read signals from: one partition, keys are `topic.prefix`es. */
export function signalTopic(connectName: string): string {
  return `__tenant-cdc-signals.${connectName}`;
}

/** The topic a Connect cluster's connectors report snapshot progress to (Debezium's notifications). */
export function notificationTopic(connectName: string): string {
  return `__tenant-cdc-notifications.${connectName}`;
}

/** The consumer group of a connector's signal consumer: its own, not Debezium's `kafka-signal` that every connector would share. */
export function signalGroupId(prefix: string): string {
  return `${prefix}-signal`;
}

export interface SignalConfigProps {
  readonly kind: DatabaseKindName;
  /** The connector's `topic.prefix`. */
  readonly prefix: string;
  /** The databases it captures (a SQL Server group: several, one signal table each). */
  readonly databases: readonly string[];
  readonly connectName: string;
  readonly namespace: string;
  readonly kafka: KafkaConnection;
}

/** The connector keys for signals, watermarks and notifications. */
export function signalConfig(props: SignalConfigProps): Record<string, string | number> {
  return {
    // `source`: the watermarks Debezium writes to the signal table come back through the log as signals
    'signal.enabled.channels': 'source,kafka',
    'signal.data.collection': props.databases.map((db) => signalDataCollection(props.kind, db)).join(','),
    'signal.kafka.topic': signalTopic(props.connectName),
    'signal.kafka.bootstrap.servers': props.kafka.bootstrapServers,
    'signal.kafka.groupId': signalGroupId(props.prefix),
    // Debezium polls every 5 s; with its default timeout of 0 each poll advances the consumer's TLS and SASL
    // handshakes by one step only, so the first signal took over 100 s to arrive on the SASL_SSL test broker
    'signal.kafka.poll.timeout.ms': SIGNAL_POLL_TIMEOUT_MS,
    // the signal consumer does not inherit the worker's security settings, as the schema history's do not
    ...kafkaClientConfig('signal.consumer.', props.kafka, props.namespace),
    // each watermark row is deleted again, so the signal table stays empty
    'incremental.snapshot.watermarking.strategy': 'insert_delete',
    'notification.enabled.channels': 'sink',
    'notification.sink.topic.name': notificationTopic(props.connectName),
  };
}
