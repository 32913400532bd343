import { ApiObject, Testing } from 'cdk8s';
import { ConnectCluster, DebeziumConnector, IConnectCluster } from '../../src';

export const plainKafka = { bootstrapServers: 'kafka:9092' };
export const saslKafka = {
  bootstrapServers: 'pkc:9092',
  auth: { mechanism: 'plain' as const, username: 'KEY', passwordSecret: { name: 'ccloud', key: 'api-secret' } },
};

export function cluster(kafka = plainKafka): IConnectCluster {
  return ConnectCluster.fromConnectClusterName(Testing.chart(), 'Connect', { name: 'dbz', namespace: 'cdc', kafka });
}

export const baseOptions = {
  tenantId: 'acme',
  database: { host: 'db.example.com', name: 'Acme' },
  credentials: { secret: 'acme-db' },
  tables: ['dbo.Orders', 'dbo.Order$Lines'],
};

export function manifest(connector: DebeziumConnector) {
  return ApiObject.of(connector.resource).toJson();
}

/** Debezium 1.x keys that Debezium 3 rejects or ignores. */
export const DEBEZIUM_1_KEYS = /^(database\.server\.name|database\.history(\..*)?|database\.dbname_?|.*\.whitelist|.*\.blacklist|heartbeat\.topics\.prefix)$/;
