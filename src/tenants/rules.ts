/**
 * The value rules shared by the tenants-file schema and the constructs, each with the fix a user needs.
 * Kept in one place so the JSON Schema, the loader and the construct props can never disagree.
 */

/** Kubernetes object and namespace names that must be DNS-1123 labels. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes Secret names (DNS-1123 subdomains). */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Keys inside a Kubernetes Secret. */
export const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** What Debezium accepts in `database.hostname`. */
export const DEBEZIUM_HOSTNAME = /^[a-zA-Z0-9-_.]+$/;

/** Legal Kafka topic names. */
export const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/** `host:port`, one entry of a bootstrap server list. */
export const HOST_PORT = /^[a-zA-Z0-9-_.]+:([0-9]{1,5})$/;

/** Debezium release versions as published on Maven Central, e.g. `3.6.1.Final`. */
export const DEBEZIUM_VERSION = /^([0-9]+)\.([0-9]+)\.([0-9]+)\.(Final|CR[0-9]+|Beta[0-9]+|Alpha[0-9]+)$/;

/** A container image reference: no whitespace, no scheme. */
export const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._\/:@-]*$/i;

/** A Kubernetes memory quantity, e.g. `2Gi` or `1536Mi`. */
export const MEMORY_QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

/** A Kubernetes CPU quantity, e.g. `500m` or `2`. */
export const CPU_QUANTITY = /^([0-9]+m|[0-9]+(\.[0-9]+)?)$/;

/** A column name in a column rule: anything but dots, commas and whitespace. */
export const COLUMN_NAME = /^[^.,\s]+$/;

/** One part of a `schema.table` (or `db.table`) name: anything but dots, commas and whitespace. */
export const TABLE_NAME_PART = /^[^.,\s]+$/;

/**
 * The longest tenant id: names derived from it (PostgreSQL slot `dbz_<id>`, connectors, topics)
 * must stay within their own limits, the tightest being PostgreSQL's 63-character slot names.
 */
export const MAX_TENANT_ID_LENGTH = 50;

/**
 * The longest Connect cluster name: Strimzi derives pod names `<name>-connect-<n>`,
 * which must stay DNS labels of at most 63 characters.
 */
export const MAX_CONNECT_NAME_LENGTH = 45;

/** The database kinds tenant-cdc can capture. */
export const DATABASE_KINDS = ['sqlserver', 'postgres', 'mysql', 'mariadb'] as const;
export type DatabaseKindName = (typeof DATABASE_KINDS)[number];

/** The default port of each database kind. */
export const DEFAULT_PORTS: Record<DatabaseKindName, number> = { sqlserver: 1433, postgres: 5432, mysql: 3306, mariadb: 3306 };

/** The kinds Debezium reads from a binlog (debezium-connector-binlog): `db.table` names, server ids, one replication protocol. */
export const BINLOG_KINDS: readonly DatabaseKindName[] = ['mysql', 'mariadb'];

/**
 * What makes two tenants' databases one database: the engine (a MySQL and a MariaDB tenant on one host and
 * port are on one server, which speaks one protocol), the host (DNS names are case-insensitive), the port and
 * the name as the servers compare names: PostgreSQL's exactly, SQL Server's (and MySQL's and MariaDB's, as on
 * some servers) without case. The tenants file refuses two tenants on one database; the plan recognises a
 * database that another tenant captured before.
 */
export function databaseIdentity(database: { readonly kind: DatabaseKindName; readonly host: string; readonly port: number | string; readonly name: string }): string {
  const name = database.kind === 'postgres' ? database.name : database.name.toLowerCase();
  const engine = BINLOG_KINDS.includes(database.kind) ? 'binlog' : database.kind;
  return `${engine}|${database.host.toLowerCase()}|${Number(database.port)}|${name}`;
}

/** Debezium 3 snapshot modes each connector accepts that need no further keys. */
export const SNAPSHOT_MODES: Record<DatabaseKindName, readonly string[]> = {
  sqlserver: ['initial', 'always', 'initial_only', 'no_data', 'recovery', 'when_needed', 'when_needed_no_data'],
  postgres: ['initial', 'always', 'initial_only', 'no_data', 'when_needed'],
  mysql: ['initial', 'always', 'initial_only', 'no_data', 'recovery', 'when_needed'],
  // BinlogConnectorConfig.SnapshotMode, shared with MySQL; 3.5.0 (the MariaDB plugin Maven Central has) also takes `never`, gone in 3.6
  mariadb: ['initial', 'always', 'initial_only', 'no_data', 'recovery', 'when_needed'],
};

/** Every snapshot mode any kind accepts, for the schema. */
export const ALL_SNAPSHOT_MODES = [...new Set(Object.values(SNAPSHOT_MODES).flat())];

/** Snapshot modes from Debezium 1.x/2.x that Debezium 3 rejects, with their replacement. */
export const REMOVED_SNAPSHOT_MODES: Record<string, string> = {
  schema_only: 'no_data',
  schema_only_recovery: 'recovery',
  never: 'no_data',
  exported: 'initial',
  initial_schema_only: 'no_data',
};

/** Connector states Strimzi 1.x applies through `spec.state`. */
export const CONNECTOR_STATES = ['running', 'paused', 'stopped'] as const;

/** SASL mechanisms for the Kafka connection; always over TLS. */
export const SASL_MECHANISMS = ['plain', 'scram-sha-512'] as const;

/** A Kafka principal as ACLs name it: `User:` and a name without spaces, commas or semicolons. */
export const KAFKA_PRINCIPAL = /^User:[^\s,;"]+$/;

/** How the output may be laid out: one file, or one folder per Connect cluster plus one for what is shared. */
export const OUTPUT_SPLITS = ['none', 'connect-cluster'] as const;
