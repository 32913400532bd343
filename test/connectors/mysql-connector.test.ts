import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { MySqlConnector } from '../../src';
import { baseOptions, cluster, manifest } from '../support/connectors';

const options = { ...baseOptions, tenantId: 'hooli', database: { host: 'mysql', name: 'hooli' }, tables: ['hooli.orders'] };

describe('MySqlConnector', () => {
  test('synthesizes a Debezium 3 MySQL connector', () => {
    const chart = Testing.chart();
    new MySqlConnector(chart, 'C', { ...options, cluster: cluster() });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('captures its database with a stable server id and its own schema history', () => {
    const connector = new MySqlConnector(Testing.chart(), 'C', { ...options, cluster: cluster() });
    const again = new MySqlConnector(Testing.chart(), 'C', { ...options, cluster: cluster() });
    const { config } = manifest(connector).spec;
    expect(config).toMatchObject({
      'database.port': 3306,
      'database.include.list': 'hooli',
      'table.include.list': 'hooli\\.orders',
      'schema.history.internal.kafka.topic': 'hooli.schema-history',
      'schema.history.internal.store.only.captured.databases.ddl': true,
    });
    expect(config['database.server.id']).toBe(connector.serverId);
    expect(connector.serverId).toBe(again.serverId);
    expect(connector.serverId).toBeGreaterThanOrEqual(1000);
  });

  test('takes a given server id', () => {
    expect(new MySqlConnector(Testing.chart(), 'C', { ...options, serverId: 4242, cluster: cluster() }).serverId).toBe(4242);
  });

  test('fails on a server id MySQL rejects', () => {
    expect(() => new MySqlConnector(Testing.chart(), 'C', { ...options, serverId: 0, cluster: cluster() }))
      .toThrowError('MySQL server id must be a whole number from 1 to 4294967295, got 0');
  });
});
