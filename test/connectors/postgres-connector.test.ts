import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { PostgresConnector } from '../../src';
import { baseOptions, cluster, manifest, saslKafka } from '../support/connectors';

describe('PostgresConnector', () => {
  test('synthesizes a Debezium 3 PostgreSQL connector', () => {
    const chart = Testing.chart();
    new PostgresConnector(chart, 'C', { ...baseOptions, tenantId: 'umbrella-eu', tables: ['public.orders'], cluster: cluster() });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('uses pgoutput with a slot and a publication of its own', () => {
    const { config } = manifest(new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, tenantId: 'umbrella-eu', cluster: cluster() })).spec;
    expect(config).toMatchObject({
      'database.dbname': 'Acme',
      'database.port': 5432,
      'plugin.name': 'pgoutput',
      'slot.name': 'dbz_umbrella_eu',
      'publication.name': 'dbz_umbrella_eu',
      'publication.autocreate.mode': 'filtered',
    });
    expect(config['slot.name']).toMatch(/^[a-z0-9_]{1,63}$/);
    expect(config['database.names']).toBeUndefined();
  });

  test('has no schema history; its snapshot signal consumer is what needs the Kafka password', () => {
    const connector = new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster(saslKafka) });
    expect(Object.keys(manifest(connector).spec.config).filter((k) => k.startsWith('schema.history'))).toEqual([]);
    expect(Object.keys(manifest(connector).spec.config).filter((k) => k.endsWith('sasl.jaas.config'))).toEqual(['signal.consumer.sasl.jaas.config']);
    expect(connector.secretNames).toEqual(['acme-db', 'ccloud']);
  });
});
