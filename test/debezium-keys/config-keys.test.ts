import { describe, expect, test } from 'vitest';
import { compareDebeziumVersions, kafkaAclsOf, kafkaFootprintByCluster, pluginVersion, resolveTenantsFile, TenantsFile, totalKafkaFootprint } from '../../src';
import { configKeyEntry, CONNECTOR_CONFIG_KEYS, OLDEST_DEBEZIUM_VERSION } from '../../src/debezium-keys/config-keys';
import { DATABASE_KINDS, DatabaseKindName } from '../../src/tenants/rules';
import { Manifest, synthPlatform } from '../support/synth';
import { sampleTenants } from '../support/tenants';

/**
 * Issue 15, item 7: every key the connectors write is read by the Debezium release its cluster runs. The
 * table of keys (src/debezium-keys/config-keys.ts) holds the release that first reads each; this synthesizes
 * every kind with every option at releases from the oldest the tenants file accepts to the default.
 */
const SALT = '0f3c9a7e51b2d468';

/** Every kind, a SQL Server group, column rules of every sort, a rotated password, SASL over TLS with a private CA. */
function everything(version: string): TenantsFile {
  const file = sampleTenants({
    debezium: { version },
    masking: { salt: SALT },
    kafka: {
      bootstrapServers: 'pkc-test.westeurope.azure.confluent.cloud:9092',
      auth: { mechanism: 'scram-sha-512', username: 'APIKEY', passwordSecret: { name: 'ccloud', key: 'api-secret' } },
      tls: { caSecret: { name: 'kafka-ca', key: 'ca.crt' } },
    },
    sqlServerGroups: [{ name: 'sql-a', host: 'sql-a.example.com', credentials: { secret: 'sql-a-cdc' } }],
  });
  return {
    ...file,
    tenants: [
      ...file.tenants.map((t) => (t.id === 'globex' ? {
        ...t, credentials: { ...t.credentials, version: 2 },
        tables: ['public.orders', { table: 'public.customers', key: ['id'], hash: ['email'], asterisks: { phone: 8 }, truncate: { notes: 200 }, include: ['id', 'email', 'phone', 'notes'] }],
      } : t.id === 'hooli' ? { ...t, tables: [{ table: 'hooli.orders', key: ['id'], exclude: ['secret'] }] } : t)),
      { id: 'wonka', database: { kind: 'mariadb', host: 'maria.example.com', name: 'wonka' }, credentials: { secret: 'wonka-db' }, tables: ['wonka.orders'] },
      { id: 'initech', group: 'sql-a', database: { name: 'Initech' }, tables: ['dbo.Orders'] },
    ],
  };
}

const connectors = (objects: readonly Manifest[]) => objects.filter((o) => o.kind === 'KafkaConnector');
const kindOf = (connector: Manifest) => ({ SqlServerConnector: 'sqlserver', PostgresConnector: 'postgres', MySqlConnector: 'mysql', MariaDbConnector: 'mariadb' } as Record<string, DatabaseKindName>)[connector.spec.class.split('.').pop()];

const VERSIONS = [OLDEST_DEBEZIUM_VERSION, '3.0.0.Final', '3.5.2.Final', '3.6.0.Alpha1', '3.6.1.Final', '3.7.0.Alpha2'];

describe('the keys the connectors write, against the Debezium release that reads them', () => {
  test.each(VERSIONS)('at %s, each key has an entry and is read by the plugin the cluster builds', (version) => {
    const objects = synthPlatform(everything(version));
    expect(connectors(objects).map(kindOf).sort()).toEqual(['mariadb', 'mysql', 'postgres', 'sqlserver', 'sqlserver']);
    const problems: string[] = [];
    for (const connector of connectors(objects)) {
      const plugin = pluginVersion(kindOf(connector), version);
      for (const key of Object.keys(connector.spec.config)) {
        const entry = configKeyEntry(key);
        if (!entry) problems.push(`${connector.metadata.name}: ${key} has no entry in CONNECTOR_CONFIG_KEYS; find the Debezium release that first reads it`);
        else if (entry.since !== undefined && compareDebeziumVersions(plugin, entry.since) < 0) {
          problems.push(`${connector.metadata.name}: ${key} is read from Debezium ${entry.since} on, but its plugin is ${plugin}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('every entry is a key some connector writes (the table has nothing stale)', () => {
    const written = new Set(VERSIONS.flatMap((v) => connectors(synthPlatform(everything(v))).flatMap((c) => Object.keys(c.spec.config))));
    const unused = CONNECTOR_CONFIG_KEYS.filter((entry) => ![...written].some((key) => (typeof entry.key === 'string' ? entry.key === key : entry.key.test(key))));
    expect(unused.map((e) => String(e.key))).toEqual([]);
  });

  test('the keys and their first releases, as audited', () => {
    const table = Object.fromEntries(CONNECTOR_CONFIG_KEYS.map((e) => [String(e.key), e.since ?? e.readBy]));
    const newer = Object.entries(table).filter(([, since]) => since !== OLDEST_DEBEZIUM_VERSION);
    expect(newer).toEqual([
      ['topic.heartbeat.name', '3.6.0.Alpha1'],
      ['/^topic\\.creation\\.default\\.(replication\\.factor|partitions)$/', 'kafka-connect'],
      ['tenant-cdc.credentials.version', 'nobody'],
    ]);
  });

  test('the oldest release the tenants file accepts is OLDEST_DEBEZIUM_VERSION', () => {
    const problemsAt = (version: string) => {
      try {
        resolveTenantsFile(sampleTenants({ debezium: { version } }));
        return [];
      } catch (error) {
        return (error as { problems: unknown[] }).problems;
      }
    };
    expect(problemsAt(OLDEST_DEBEZIUM_VERSION)).toEqual([]);
    expect(problemsAt('2.7.4.Final')).toHaveLength(1);
  });
});

describe('topic.heartbeat.name (Debezium 3.6.0.Alpha1 and later)', () => {
  const heartbeatTopics = (objects: readonly Manifest[]) => totalKafkaFootprint(kafkaFootprintByCluster(objects)).heartbeatTopics.topics;
  const heartbeatAcls = (objects: readonly Manifest[]) => kafkaAclsOf(objects).flatMap((p) => p.grants)
    .filter((g) => g.resource.name.startsWith('__debezium-heartbeat.') && g.operations.includes('write')).map((g) => g.resource.name).sort();

  test('a cluster on 3.5 writes no topic.heartbeat.name; the footprint and the ACLs count a heartbeat topic per tenant', () => {
    const objects = synthPlatform(everything('3.5.2.Final'));
    expect(connectors(objects).filter((c) => 'topic.heartbeat.name' in c.spec.config)).toEqual([]);
    expect(heartbeatTopics(objects)).toBe(5);
    expect(heartbeatAcls(objects)).toEqual(['__debezium-heartbeat.acme', '__debezium-heartbeat.globex', '__debezium-heartbeat.hooli',
      '__debezium-heartbeat.sql-a', '__debezium-heartbeat.wonka']);
  });

  test('from 3.6.0.Alpha1 the cluster\'s connectors share one topic; MariaDB\'s plugin (3.5.0.Final) still has its own', () => {
    for (const version of ['3.6.0.Alpha1', '3.6.1.Final']) {
      const objects = synthPlatform(everything(version));
      expect(connectors(objects).filter((c) => 'topic.heartbeat.name' in c.spec.config).map((c) => c.metadata.name).sort()).toEqual(['acme', 'globex', 'hooli', 'sql-a']);
      expect(heartbeatTopics(objects)).toBe(2);
      expect(heartbeatAcls(objects)).toEqual(['__debezium-heartbeat.cdc-connect', '__debezium-heartbeat.wonka']);
    }
  });

  test('each Connect cluster writes what its own release reads (a canary on 3.6 beside a 3.5 cluster)', () => {
    const file = everything('3.5.2.Final');
    const sharded: TenantsFile = {
      ...file,
      connect: { ...file.connect!, clusters: [{ name: 'canary', debezium: { version: '3.6.1.Final' } }] },
      tenants: file.tenants.map((t) => (t.id === 'globex' ? { ...t, connect: 'canary' } : t.group ? t : { ...t, connect: 'cdc-connect' })),
      sqlServerGroups: file.sqlServerGroups!.map((g) => ({ ...g, connect: 'cdc-connect' })),
    };
    const objects = synthPlatform(sharded);
    expect(connectors(objects).filter((c) => 'topic.heartbeat.name' in c.spec.config).map((c) => [c.metadata.name, c.spec.config['topic.heartbeat.name']]))
      .toEqual([['globex', '__debezium-heartbeat.canary']]);
  });
});

test('every database kind is in the audit', () => {
  expect([...DATABASE_KINDS].sort()).toEqual(['mariadb', 'mysql', 'postgres', 'sqlserver']);
});

describe('snapshot modes a release does not read', () => {
  const problemsOf = (file: TenantsFile): readonly string[] => {
    try {
      resolveTenantsFile(file);
      return [];
    } catch (error) {
      return (error as { problems: readonly string[] }).problems;
    }
  };
  const acmeWith = (file: TenantsFile, mode: string): TenantsFile => ({ ...file, tenants: file.tenants.map((t) => (t.id === 'acme' ? { ...t, snapshotMode: mode } : t)) });

  test('SQL Server\'s when_needed_no_data (3.6.0.Beta1) is refused on a cluster of an older release, with the place and the fix', () => {
    expect(problemsOf(acmeWith(sampleTenants({ debezium: { version: '3.5.2.Final' } }), 'when_needed_no_data'))).toEqual([
      'tenants[0].snapshotMode: "when_needed_no_data" is read by Debezium 3.6.0.Beta1 and later, but tenant acme runs on Connect cluster cdc-connect '
        + 'with Debezium 3.5.2.Final, whose sqlserver connector refuses it; use "when_needed", or set debezium.version to 3.6.0.Beta1 or later']);
    expect(problemsOf(acmeWith(sampleTenants({ debezium: { version: '3.6.0.Beta1' } }), 'when_needed_no_data'))).toEqual([]);
    expect(problemsOf(acmeWith(sampleTenants({ debezium: { version: '3.5.2.Final' } }), 'when_needed'))).toEqual([]);
  });

  test('a SQL Server group\'s mode is checked against its cluster\'s release', () => {
    const file = everything('3.5.2.Final');
    const problems = problemsOf({ ...file, sqlServerGroups: file.sqlServerGroups!.map((g) => ({ ...g, snapshotMode: 'when_needed_no_data' })) });
    expect(problems).toEqual([expect.stringMatching(/^sqlServerGroups\[0\]\.snapshotMode: "when_needed_no_data" is read by Debezium 3\.6\.0\.Beta1 and later, but group sql-a runs on Connect cluster cdc-connect/)]);
  });
});
