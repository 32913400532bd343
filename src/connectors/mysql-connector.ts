import { Construct } from 'constructs';
import { BinlogConnector, BinlogConnectorProps } from './binlog-connector';

export interface MySqlConnectorProps extends BinlogConnectorProps {}

/**
 * Defines a Debezium MySQL connector capturing one database. Topics are `<tenant>.<database>.<table>`.
 */
export class MySqlConnector extends BinlogConnector {
  constructor(scope: Construct, id: string, props: MySqlConnectorProps) {
    super(scope, id, props, 'mysql');
  }
}
