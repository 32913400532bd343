import type { DatabaseKindName } from './tenants/rules';

/** What tenant-cdc needs to know about each Debezium connector. */
export interface DebeziumPlugin {
  /** `spec.class` of the KafkaConnector. */
  readonly connectorClass: string;
  /** Maven artifact (group `io.debezium`) that holds the plugin. */
  readonly artifact: string;
}

/** The Debezium connector of each database kind. */
export const DEBEZIUM_PLUGINS: Readonly<Record<DatabaseKindName, DebeziumPlugin>> = {
  sqlserver: { connectorClass: 'io.debezium.connector.sqlserver.SqlServerConnector', artifact: 'debezium-connector-sqlserver' },
  postgres: { connectorClass: 'io.debezium.connector.postgresql.PostgresConnector', artifact: 'debezium-connector-postgres' },
  mysql: { connectorClass: 'io.debezium.connector.mysql.MySqlConnector', artifact: 'debezium-connector-mysql' },
};

/** Maven group of the Debezium plugins. */
export const DEBEZIUM_GROUP = 'io.debezium';

/** The Debezium version tenant-cdc is tested with (all three plugins exist on Maven Central). */
export const DEFAULT_DEBEZIUM_VERSION = '3.6.1.Final';
