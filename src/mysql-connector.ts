import { Construct } from 'constructs';
import { ConnectorConfigValue, DebeziumConnector, DebeziumConnectorProps } from './debezium-connector';
import { escapeRegExp, mysqlServerIds } from './names';

export interface MySqlConnectorProps extends DebeziumConnectorProps {
  /**
   * `database.server.id`: unique among all replicas and connectors reading the same MySQL server.
   *
   * @default - a stable hash of the tenant id (CdcPlatform also avoids collisions between its tenants)
   */
  readonly serverId?: number;
}

/**
 * Defines a Debezium MySQL connector capturing one database. Topics are `<tenant>.<database>.<table>`.
 */
export class MySqlConnector extends DebeziumConnector {
  /** The `database.server.id` this connector uses. */
  public readonly serverId: number;

  constructor(scope: Construct, id: string, props: MySqlConnectorProps) {
    super(scope, id, props, 'mysql');
    this.serverId = props.serverId ?? mysqlServerIds([{ id: props.tenantId, server: '' }]).get(props.tenantId)!;
    if (!Number.isInteger(this.serverId) || this.serverId < 1 || this.serverId > 4294967295) {
      throw new Error(`MySQL server id must be a whole number from 1 to 4294967295, got ${this.serverId}`);
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
    };
  }
}
