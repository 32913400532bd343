import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { CdcPlatform, PostgresConnector, SqlServerConnector, TenantsFile } from '../../src';
import { kafkaAclsOf } from '../../src/acls/kafka-acls';
import { aclLines } from '../../src/acls/render';
import { baseOptions, cluster, manifest, saslKafka } from '../support/connectors';
import { ofKind, synthPlatform } from '../support/synth';
import { platformProblems, sampleTenants } from '../support/tenants';

describe('connectors take snapshot signals and report snapshot progress', () => {
  test('PostgreSQL: the Kafka signal channel with its own group and the cluster\'s SASL, the signal table as schema.table, notifications to the cluster\'s topic', () => {
    const connector = new PostgresConnector(Testing.chart(), 'C', { ...baseOptions, database: { host: 'pg', name: 'acme' }, tables: ['public.orders'], cluster: cluster(saslKafka) });
    const config = manifest(connector).spec.config;
    expect(config).toMatchObject({
      'signal.enabled.channels': 'source,kafka',
      'signal.data.collection': 'public.debezium_signal',
      'signal.kafka.topic': '__tenant-cdc-signals.dbz',
      'signal.kafka.bootstrap.servers': 'pkc:9092',
      'signal.kafka.groupId': 'acme-signal',
      // each poll waits a little, so the consumer's TLS and SASL handshakes finish in one or two polls, not 20
      'signal.kafka.poll.timeout.ms': 250,
      'signal.consumer.security.protocol': 'SASL_SSL',
      'signal.consumer.sasl.mechanism': 'PLAIN',
      'incremental.snapshot.watermarking.strategy': 'insert_delete',
      'notification.enabled.channels': 'sink',
      'notification.sink.topic.name': '__tenant-cdc-notifications.dbz',
    });
    // the password is a placeholder, never the value
    expect(config['signal.consumer.sasl.jaas.config']).toContain('password="${secrets:cdc/ccloud:api-secret}"');
    // the signal consumer reads the Kafka password, so PostgreSQL connectors need it now too
    expect(connector.secretNames).toEqual(['acme-db', 'ccloud']);
  });

  test('SQL Server: the signal table written database.schema.table; a group has one per database', () => {
    const single = manifest(new SqlServerConnector(Testing.chart(), 'C', { ...baseOptions, cluster: cluster() })).spec.config;
    expect(single['signal.data.collection']).toBe('Acme.dbo.debezium_signal');
    expect(single['signal.consumer.security.protocol']).toBeUndefined();
    const file: TenantsFile = {
      ...sampleTenants(),
      sqlServerGroups: [{ name: 'eu-sql', host: 'sql-eu', credentials: { secret: 'eu-sql-db' }, tasks: 2 }],
      tenants: [...sampleTenants().tenants, ...['Initech', 'Umbrella'].map((name) => ({ id: name.toLowerCase(), group: 'eu-sql', database: { name } }))],
    };
    const group = ofKind(synthPlatform(file), 'KafkaConnector').find((c) => c.metadata.name === 'eu-sql')!;
    expect(group.spec.config['signal.data.collection']).toBe('Initech.dbo.debezium_signal,Umbrella.dbo.debezium_signal');
    expect(group.spec.config['signal.kafka.groupId']).toBe('eu-sql-signal');
  });

  test('MySQL and MariaDB: the signal table in the tenant\'s database, database.table', () => {
    const connectors = ofKind(synthPlatform({
      ...sampleTenants(),
      tenants: [...sampleTenants().tenants, { id: 'wonka', database: { kind: 'mariadb', host: 'maria', name: 'wonka' }, credentials: { secret: 'wonka-db' }, tables: ['wonka.orders'] }],
    }), 'KafkaConnector');
    expect(connectors.find((c) => c.metadata.name === 'hooli')!.spec.config['signal.data.collection']).toBe('hooli.debezium_signal');
    expect(connectors.find((c) => c.metadata.name === 'wonka')!.spec.config['signal.data.collection']).toBe('wonka.debezium_signal');
  });

  test('ACLs: Connect reads the signal topic and commits in each connector\'s signal group, writes the notification topic; nothing more', () => {
    const lines = aclLines(kafkaAclsOf(synthPlatform(sampleTenants()))).filter((l) => l.startsWith('User:APIKEY'));
    expect(lines.filter((l) => /signal|notification/.test(l))).toEqual([
      ...['acme', 'globex', 'hooli'].map((id) => `User:APIKEY READ group ${id}-signal`),
      'User:APIKEY WRITE topic __tenant-cdc-notifications.cdc-connect',
      'User:APIKEY CREATE topic __tenant-cdc-notifications.cdc-connect',
      'User:APIKEY DESCRIBE topic __tenant-cdc-notifications.cdc-connect',
      'User:APIKEY READ topic __tenant-cdc-signals.cdc-connect',
      'User:APIKEY DESCRIBE topic __tenant-cdc-signals.cdc-connect',
    ]);
  });

  test('the footprint counts one signal and one notification topic per Connect cluster, and a signal consumer per task', () => {
    const footprint = new CdcPlatform(Testing.chart(), 'cdc', sampleTenants()).kafkaFootprint().get('cdc-connect')!;
    expect(footprint.snapshotTopics).toEqual({ topics: 2, partitions: 2 });
  });

  test('the signal table is not a table to capture: the file names it with the fix', () => {
    const file = sampleTenants();
    file.tenants[1] = { ...file.tenants[1], tables: ['public.orders', 'public.debezium_signal'] };
    expect(platformProblems(file)).toEqual([expect.stringMatching(/^tenants\[1\]\.tables\[1\]: "public\.debezium_signal" is the signal table .*remove it from tables/)]);
  });
});
