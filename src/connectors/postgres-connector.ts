import { Construct } from 'constructs';
import { ConnectorConfigValue, DebeziumConnector, DebeziumConnectorProps } from './debezium-connector';
import { replicationSlotName } from '../names';

/**
 * Defines a Debezium PostgreSQL connector using the built-in `pgoutput` plugin, with a replication
 * slot and a publication of its own (so tenants sharing a server never collide) that Debezium
 * creates for exactly the captured tables. Topics are `<tenant>.<schema>.<table>`.
 */
export class PostgresConnector extends DebeziumConnector {
  constructor(scope: Construct, id: string, props: DebeziumConnectorProps) {
    super(scope, id, props, 'postgres');
  }

  protected usesSchemaHistory(): boolean {
    return false;
  }

  protected kindConfig(): Record<string, ConnectorConfigValue> {
    const slot = replicationSlotName(this.options.tenantId);
    return {
      'database.dbname': this.options.database.name,
      'plugin.name': 'pgoutput',
      'slot.name': slot,
      'publication.name': slot,
      'publication.autocreate.mode': 'filtered',
    };
  }
}
