import { Construct } from 'constructs';
import { GROUP_LABEL } from '../labels';
import { SqlServerConnector, SqlServerConnectorProps } from './sqlserver-connector';

export interface SqlServerGroupConnectorProps extends Omit<SqlServerConnectorProps, 'tenantId' | 'database'> {
  /** The group; it names the KafkaConnector, the `topic.prefix` and so the topics. Never change it. */
  readonly groupName: string;
  /** The SQL Server every database of the group is on. */
  readonly host: string;
  /**
   * Its port.
   *
   * @default 1433
   */
  readonly port?: number;
  /** The databases to capture, one per tenant; `database.names` lists them. */
  readonly databases: readonly string[];
  /**
   * Connector tasks; Debezium deals the databases out to them, and each task captures its databases one
   * after another on one thread.
   *
   * @default 1
   */
  readonly tasks?: number;
}

/**
 * Defines one Debezium SQL Server connector for several databases on one server (Debezium's
 * multi-database mode, `database.names`), so tenants sharing a server share one connector, one login and
 * one schema history. Topics are `<group>.<database>.<schema>.<table>`; Connect keeps an offset per
 * database. A database added to the group is snapshotted while the other databases of its task wait.
 */
export class SqlServerGroupConnector extends SqlServerConnector {
  /** The databases the connector captures, sorted. */
  public readonly databases: readonly string[];
  private readonly tasks: number;

  constructor(scope: Construct, id: string, props: SqlServerGroupConnectorProps) {
    const databases = [...props.databases].sort();
    if (databases.length === 0) throw new Error(`SQL Server group ${props.groupName} has no databases; give it at least one`);
    const bad = databases.find((name) => name.includes(',') || name.trim() !== name);
    if (bad !== undefined) throw new Error(`database name ${JSON.stringify(bad)} of group ${props.groupName} holds a ',' or spaces around it; database.names is split on ','`);
    // database.names is the list, written with no spaces (Debezium does not trim)
    super(scope, id, { ...props, tenantId: props.groupName, database: { host: props.host, port: props.port, name: databases.join(',') } });
    if (props.tasks !== undefined && (!Number.isInteger(props.tasks) || props.tasks < 1)) {
      throw new Error(`tasks of group ${props.groupName} must be a whole number of at least 1, got ${props.tasks}`);
    }
    this.databases = databases;
    this.tasks = props.tasks ?? 1;
  }

  protected ownerLabels(): Record<string, string> {
    return { [GROUP_LABEL]: this.options.tenantId };
  }

  /** Every database of the group has its own signal table; Debezium writes each one's watermarks to its own. */
  protected signalDatabases(): readonly string[] {
    return this.databases;
  }

  protected tasksMax(): number {
    return this.tasks;
  }
}
