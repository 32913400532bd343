import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { compareDebeziumVersions, DEBEZIUM_PLUGINS, MariaDbConnector, MySqlConnector } from '../../src';
import { baseOptions, cluster, manifest, saslKafka } from '../support/connectors';

const options = { ...baseOptions, tenantId: 'wonka', database: { host: 'mariadb', name: 'wonka' }, tables: ['wonka.orders', 'wonka.order_lines'] };

describe('MariaDbConnector', () => {
  test('synthesizes a Debezium 3 MariaDB connector', () => {
    const chart = Testing.chart();
    new MariaDbConnector(chart, 'C', { ...options, cluster: cluster() });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('is Debezium\'s MariaDB connector, capturing its database with a stable server id and its own schema history', () => {
    const connector = new MariaDbConnector(Testing.chart(), 'C', { ...options, cluster: cluster() });
    const again = new MariaDbConnector(Testing.chart(), 'C', { ...options, cluster: cluster() });
    const { spec } = manifest(connector);
    expect(spec.class).toBe('io.debezium.connector.mariadb.MariaDbConnector');
    expect(spec.config).toMatchObject({
      'database.port': 3306,
      'database.include.list': 'wonka',
      'table.include.list': 'wonka\\.orders,wonka\\.order_lines',
      'schema.history.internal.kafka.topic': 'wonka.schema-history',
      // not the other tenants' DDL: the server's binlog carries every database's
      'schema.history.internal.store.only.captured.databases.ddl': true,
      'include.schema.changes': false,
    });
    expect(spec.config['database.server.id']).toBe(connector.serverId);
    expect(connector.serverId).toBe(again.serverId);
    expect(connector.serverId).toBeGreaterThanOrEqual(1000);
  });

  test('gets the same server id as a MySQL connector of the same tenant id: both come from one hash', () => {
    const mariadb = new MariaDbConnector(Testing.chart(), 'C', { ...options, cluster: cluster() });
    expect(new MySqlConnector(Testing.chart(), 'C', { ...options, cluster: cluster() }).serverId).toBe(mariadb.serverId);
  });

  test('sends heartbeats to its own topic: the MariaDB plugin on Maven Central predates topic.heartbeat.name', () => {
    const { config } = manifest(new MariaDbConnector(Testing.chart(), 'C', { ...options, cluster: cluster() })).spec;
    expect(config['heartbeat.interval.ms']).toBe(60000);
    expect(config['topic.heartbeat.name']).toBeUndefined();
    expect(config['topic.heartbeat.prefix']).toBeUndefined();
    // when Maven Central gets a MariaDB plugin of 3.6.0 or later, it takes the shared topic: drop sharesHeartbeatTopic's override
    expect(compareDebeziumVersions(DEBEZIUM_PLUGINS.mariadb.newestRelease!, '3.6.0.Final')).toBeLessThan(0);
  });

  test('gives its schema history clients the Kafka login, with the password as a placeholder', () => {
    const connector = new MariaDbConnector(Testing.chart(), 'C', { ...options, cluster: cluster(saslKafka) });
    const { config } = manifest(connector).spec;
    expect(config['schema.history.internal.producer.security.protocol']).toBe('SASL_SSL');
    expect(config['schema.history.internal.consumer.sasl.jaas.config']).toContain('${secrets:cdc/ccloud:api-secret}');
    expect(connector.secretNames).toEqual(['acme-db', 'ccloud']);
  });

  test('takes a given server id and port', () => {
    const connector = new MariaDbConnector(Testing.chart(), 'C', { ...options, serverId: 4242, database: { ...options.database, port: 3307 }, cluster: cluster() });
    expect(connector.serverId).toBe(4242);
    expect(manifest(connector).spec.config).toMatchObject({ 'database.server.id': 4242, 'database.port': 3307 });
  });

  test('fails on a server id MariaDB rejects', () => {
    expect(() => new MariaDbConnector(Testing.chart(), 'C', { ...options, serverId: 4294967296, cluster: cluster() }))
      .toThrowError('MariaDB server id must be a whole number from 1 to 4294967295, got 4294967296');
  });
});
