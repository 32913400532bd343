import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { SqlServerConnector } from '../../src';
import { baseOptions, cluster, manifest, saslKafka } from '../support/connectors';

describe('SqlServerConnector', () => {
  test('synthesizes a Debezium 3 SQL Server connector', () => {
    const chart = Testing.chart();
    new SqlServerConnector(chart, 'C', { ...baseOptions, cluster: cluster(saslKafka), snapshotMode: 'when_needed' });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('captures one database through database.names, with its own schema history topic', () => {
    const { spec } = manifest(new SqlServerConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster() }));
    expect(spec.class).toBe('io.debezium.connector.sqlserver.SqlServerConnector');
    expect(spec.config).toMatchObject({
      'database.names': 'Acme',
      'database.port': 1433,
      'schema.history.internal.kafka.bootstrap.servers': 'kafka:9092',
      'schema.history.internal.kafka.topic': 'acme.schema-history',
    });
    expect(spec.config['schema.history.internal.kafka.topic']).not.toBe(spec.config['topic.prefix']);
    expect(spec.config['schema.history.internal.producer.security.protocol']).toBeUndefined();
  });

  test('encrypts and checks the certificate through driver.* keys', () => {
    const { config } = manifest(new SqlServerConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster() })).spec;
    expect(config['driver.encrypt']).toBe(true);
    expect(config['driver.trustServerCertificate']).toBe(false);
    expect(Object.keys(config).filter((k) => k === 'database.encrypt' || k === 'database.trustServerCertificate')).toEqual([]);
  });

  test('can trust a self-signed certificate', () => {
    const { config } = manifest(new SqlServerConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster(), trustServerCertificate: true })).spec;
    expect(config['driver.trustServerCertificate']).toBe(true);
  });
});
