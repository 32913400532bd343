import { Construct } from 'constructs';
import { ConnectorConfigValue, DebeziumConnector, DebeziumConnectorProps } from './debezium-connector';

export interface SqlServerConnectorProps extends DebeziumConnectorProps {
  /**
   * Trust the server's certificate without checking it (self-signed development servers only).
   *
   * @default false
   */
  readonly trustServerCertificate?: boolean;
}

/**
 * Defines a Debezium SQL Server connector. Topics are `<tenant>.<database>.<schema>.<table>`; the
 * connection is encrypted (the driver's default since Debezium 2) and the certificate is checked.
 */
export class SqlServerConnector extends DebeziumConnector {
  private readonly trustServerCertificate: boolean;

  constructor(scope: Construct, id: string, props: SqlServerConnectorProps) {
    super(scope, id, props, 'sqlserver');
    this.trustServerCertificate = props.trustServerCertificate ?? false;
  }

  protected usesSchemaHistory(): boolean {
    return true;
  }

  protected kindConfig(): Record<string, ConnectorConfigValue> {
    return {
      // a list in Debezium 3, split on ',' without trimming: the name is written alone
      'database.names': this.options.database.name,
      'driver.encrypt': true,
      'driver.trustServerCertificate': this.trustServerCertificate,
      ...this.schemaHistoryConfig(),
    };
  }
}
