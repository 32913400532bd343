import { Construct } from 'constructs';
import { ConnectorConfigValue, DebeziumConnector, DebeziumConnectorProps } from './debezium-connector';
import { binlogServerIds, escapeRegExp } from '../names';

/** The database kinds Debezium reads from a binlog, as a replica does. */
export type BinlogKindName = 'mysql' | 'mariadb';

export interface BinlogConnectorProps extends DebeziumConnectorProps {
  /**
   * `database.server.id`: the connector joins the server's replication as a replica with this id, so it
   * must be unique among all replicas and connectors reading the same server.
   *
   * @default - a stable hash of the tenant id (CdcPlatform also avoids collisions between its tenants)
   */
  readonly serverId?: number;
}

/** The engine names used in messages. */
const ENGINE: Record<BinlogKindName, string> = { mysql: 'MySQL', mariadb: 'MariaDB' };

/**
 * The shared base of the connectors that read a binlog (Debezium's debezium-connector-binlog): MySQL and
 * MariaDB. Each captures one database (`database.include.list`) as a replica with its own server id, and
 * keeps a schema history topic, since binlog rows carry no column names; the history holds the DDL of
 * that database only, not of the other databases on the server. Topics are `<tenant>.<database>.<table>`.
 */
export abstract class BinlogConnector extends DebeziumConnector {
  /** The `database.server.id` this connector uses. */
  public readonly serverId: number;

  protected constructor(scope: Construct, id: string, props: BinlogConnectorProps, kind: BinlogKindName) {
    super(scope, id, props, kind);
    this.serverId = props.serverId ?? binlogServerIds([{ id: props.tenantId, server: '' }]).get(props.tenantId)!;
    if (!Number.isInteger(this.serverId) || this.serverId < 1 || this.serverId > 4294967295) {
      throw new Error(`${ENGINE[kind]} server id must be a whole number from 1 to 4294967295, got ${this.serverId}`);
    }
  }

  protected usesSchemaHistory(): boolean {
    return true;
  }

  protected kindConfig(): Record<string, ConnectorConfigValue> {
    return {
      'database.server.id': this.serverId,
      'database.include.list': escapeRegExp(this.options.database.name),
      ...this.schemaHistoryConfig(),
      // the binlog carries the DDL of every database on the server: by default each connector's history
      // would record every other tenant's table and column names, and grow with the server's tenants
      'schema.history.internal.store.only.captured.databases.ddl': true,
    };
  }
}
