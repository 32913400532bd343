import { DatabaseKindName, DEBEZIUM_VERSION } from '../tenants/rules';

/** What tenant-cdc needs to know about each Debezium connector. */
export interface DebeziumPlugin {
  /** `spec.class` of the KafkaConnector. */
  readonly connectorClass: string;
  /** Maven artifact (group `io.debezium`) that holds the plugin. */
  readonly artifact: string;
  /** The connector keeps a schema history topic (SQL Server and the binlog connectors; PostgreSQL has none). */
  readonly schemaHistory: boolean;
  /**
   * The newest Debezium release Maven Central has this plugin in, when that lags behind the releases of the
   * other plugins: a Connect cluster on a newer Debezium builds this plugin at this release instead.
   *
   * @default - the plugin is released with every Debezium release
   */
  readonly newestRelease?: string;
  /**
   * The column types whose values the connector hashes and replaces by asterisks: Debezium's MaskStrings
   * masks the character JDBC types only (CHAR, VARCHAR, LONGVARCHAR, CLOB, NCHAR, NVARCHAR, LONGNVARCHAR,
   * NCLOB, DATALINK), and each connector maps its database's types to JDBC types its own way (read in
   * Debezium 3.6.1's source). The processor masks the values of every other type (docs/tenants-file.md: Columns).
   */
  readonly maskedTypes: string;
}

/** The Debezium connector of each database kind. */
export const DEBEZIUM_PLUGINS: Readonly<Record<DatabaseKindName, DebeziumPlugin>> = {
  sqlserver: { connectorClass: 'io.debezium.connector.sqlserver.SqlServerConnector', artifact: 'debezium-connector-sqlserver', schemaHistory: true,
    maskedTypes: 'char, varchar, text, nchar, nvarchar, ntext' },
  postgres: { connectorClass: 'io.debezium.connector.postgresql.PostgresConnector', artifact: 'debezium-connector-postgres', schemaHistory: false,
    // TypeRegistry: enums are VARCHAR, domains resolve to their base type; citext is OTHER
    maskedTypes: 'char, varchar, text, name, enum types and domains over these (not citext, uuid, json)' },
  mysql: { connectorClass: 'io.debezium.connector.mysql.MySqlConnector', artifact: 'debezium-connector-mysql', schemaHistory: true,
    // MySqlAntlrDdlParser: ENUM and SET are CHAR; JSON and the spatial types are OTHER
    maskedTypes: 'char, varchar, the text types, nchar, nvarchar, enum, set (not json)' },
  // Debezium tags 3.5.1 to 3.6.1 hold the MariaDB connector's source, but Maven Central's newest
  // io.debezium:debezium-connector-mariadb is 3.5.0.Final (maven-metadata.xml, checked December 2026).
  // Raise this when a newer one is published; MariaDbConnector's heartbeat topic depends on it.
  mariadb: { connectorClass: 'io.debezium.connector.mariadb.MariaDbConnector', artifact: 'debezium-connector-mariadb', schemaHistory: true, newestRelease: '3.5.0.Final',
    maskedTypes: 'char, varchar, the text types, nchar, nvarchar, enum, set (not json)' },
};

/** Maven group of the Debezium plugins. */
export const DEBEZIUM_GROUP = 'io.debezium';

/** The Debezium version tenant-cdc is tested with (the SQL Server, PostgreSQL and MySQL plugins exist on Maven Central). */
export const DEFAULT_DEBEZIUM_VERSION = '3.6.1.Final';

/**
 * The release of a kind's plugin a Connect cluster on `debeziumVersion` builds: that version, or the
 * plugin's newest release on Maven Central when the plugin lags behind (MariaDB).
 */
export function pluginVersion(kind: DatabaseKindName, debeziumVersion: string): string {
  const newest = DEBEZIUM_PLUGINS[kind].newestRelease;
  return newest !== undefined && compareDebeziumVersions(debeziumVersion, newest) > 0 ? newest : debeziumVersion;
}

const QUALIFIER_ORDER = ['Alpha', 'Beta', 'CR', 'Final'];

/** Orders Debezium release versions (`3.6.1.Final`, `3.7.0.Alpha2`, ...) as Debezium releases them: negative when `a` is older. */
export function compareDebeziumVersions(a: string, b: string): number {
  const key = (version: string) => {
    const match = DEBEZIUM_VERSION.exec(version);
    if (!match) throw new Error(`${JSON.stringify(version)} is not a Debezium release version; write it as on Maven Central, e.g. "3.6.1.Final"`);
    const [, major, minor, patch, qualifier] = match;
    const [, name, number] = /^([A-Za-z]+)([0-9]*)$/.exec(qualifier)!;
    return [Number(major), Number(minor), Number(patch), QUALIFIER_ORDER.indexOf(name), Number(number || 0)];
  };
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}
