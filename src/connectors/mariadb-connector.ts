import { Construct } from 'constructs';
import { BinlogConnector, BinlogConnectorProps } from './binlog-connector';

export interface MariaDbConnectorProps extends BinlogConnectorProps {}

/**
 * Defines a Debezium MariaDB connector (`io.debezium.connector.mariadb.MariaDbConnector`; Debezium 3's MySQL
 * connector no longer reads MariaDB) capturing one database. Topics are `<tenant>.<database>.<table>`.
 *
 * The server needs `log_bin`, `binlog_format=ROW` and `binlog_row_image=FULL` (GTIDs are always on in
 * MariaDB), and the connector's user `RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT` on `*.*`
 * and `SELECT` on the tenant's database. Debezium's MariaDB connection is unencrypted unless
 * `database.ssl.mode` (`disable`, `trust`, `verify-ca`, `verify-full`) says otherwise: add it with `addConfig`.
 *
 * Its plugin is built at `DEBEZIUM_PLUGINS.mariadb.newestRelease` (3.5.0.Final) when the cluster runs a newer
 * Debezium, since Maven Central has no newer MariaDB connector; see `pluginVersion`. That plugin predates
 * `topic.heartbeat.name` (3.6.0.Alpha1), so each MariaDB tenant has its own `__debezium-heartbeat.<tenant>`.
 */
export class MariaDbConnector extends BinlogConnector {
  constructor(scope: Construct, id: string, props: MariaDbConnectorProps) {
    super(scope, id, props, 'mariadb');
  }
}
