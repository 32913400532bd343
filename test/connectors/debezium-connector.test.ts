import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { PostgresConnector, SqlServerConnector } from '../../src';
import { baseOptions, cluster, DEBEZIUM_1_KEYS, manifest, saslKafka } from '../support/connectors';

describe('DebeziumConnector (shared by every kind)', () => {
  test('binds to its Connect cluster with the Strimzi label, in its namespace, labelled with the tenant', () => {
    const connector = new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster() });
    const { apiVersion, metadata, spec } = manifest(connector);
    expect(apiVersion).toBe('kafka.strimzi.io/v1');
    expect(metadata).toMatchObject({ name: 'acme', namespace: 'cdc', labels: { 'strimzi.io/cluster': 'dbz', 'tenant-cdc/tenant': 'acme' } });
    expect(spec).toMatchObject({ class: 'io.debezium.connector.postgresql.PostgresConnector', tasksMax: 1, state: 'running' });
  });

  test('keeps name, connector.class and tasks.max out of config, where Strimzi forbids them', () => {
    const { config } = manifest(new SqlServerConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster() })).spec;
    expect(Object.keys(config)).not.toContain('name');
    expect(Object.keys(config)).not.toContain('connector.class');
    expect(Object.keys(config)).not.toContain('tasks.max');
    expect(Object.keys(config).filter((k) => DEBEZIUM_1_KEYS.test(k))).toEqual([]);
  });

  test('reads credentials only through config-provider placeholders', () => {
    const connector = new PostgresConnector(Testing.chart(), 'C', {
      ...baseOptions, credentials: { secret: 'acme-db', usernameKey: 'user', passwordKey: 'pass' }, cluster: cluster(),
    });
    const { config } = manifest(connector).spec;
    expect(config['database.user']).toBe('${secrets:cdc/acme-db:user}');
    expect(config['database.password']).toBe('${secrets:cdc/acme-db:pass}');
    expect(connector.secretNames).toEqual(['acme-db']);
  });

  test('uses the tenant id as the stable topic prefix and escapes table names in the include list', () => {
    const { config } = manifest(new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster() })).spec;
    expect(config['topic.prefix']).toBe('acme');
    expect(config['table.include.list']).toBe('dbo\\.Orders,dbo\\.Order\\$Lines');
  });

  test('sets heartbeats and JSON-friendly decimals', () => {
    const { config } = manifest(new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster(), heartbeatIntervalMs: 5000 })).spec;
    expect(config['heartbeat.interval.ms']).toBe(5000);
    expect(config['decimal.handling.mode']).toBe('string');
    expect(config['topic.heartbeat.name']).toBe('__debezium-heartbeat.dbz');
    expect(config['topic.creation.default.replication.factor']).toBe(-1);
    expect(config['topic.creation.default.partitions']).toBe(1);
    expect(config['max.queue.size.in.bytes']).toBeGreaterThan(0);
    expect(config['max.queue.size']).toBeGreaterThan(config['max.batch.size']);
  });

  test('applies the state Strimzi should put the connector in', () => {
    expect(manifest(new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster(), state: 'stopped' })).spec.state).toBe('stopped');
  });

  test('takes extra settings through addConfig', () => {
    const connector = new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster() });
    connector.addConfig('slot.drop.on.stop', false);
    expect(manifest(connector).spec.config['slot.drop.on.stop']).toBe(false);
  });

  test('fails when addConfig sets a key twice', () => {
    const connector = new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster() });
    expect(() => connector.addConfig('slot.name', 'x')).toThrowError('connector acme already sets slot.name; each key can be set once');
  });

  test('fails when addConfig sets a key Strimzi forbids', () => {
    const connector = new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster() });
    expect(() => connector.addConfig('tasks.max', 2)).toThrowError(/tasks\.max cannot be set in a KafkaConnector's config/);
  });

  test('fails on a tenant id Kubernetes would reject', () => {
    expect(() => new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, tenantId: 'Acme', cluster: cluster() }))
      .toThrowError(/tenant id "Acme" is not a DNS-1123 label/);
  });

  test('fails without tables', () => {
    expect(() => new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, tables: [], cluster: cluster() }))
      .toThrowError('tenant acme captures no tables; list them as schema.table');
  });

  test('the schema history clients get SASL from the cluster, the password as a placeholder', () => {
    const connector = new SqlServerConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster(saslKafka) });
    const { config } = manifest(connector).spec;
    for (const client of ['producer', 'consumer']) {
      expect(config[`schema.history.internal.${client}.security.protocol`]).toBe('SASL_SSL');
      expect(config[`schema.history.internal.${client}.sasl.mechanism`]).toBe('PLAIN');
      expect(config[`schema.history.internal.${client}.sasl.jaas.config`]).toBe(
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="KEY" password="${secrets:cdc/ccloud:api-secret}";');
    }
    expect(connector.secretNames).toEqual(['acme-db', 'ccloud']);
  });
});
