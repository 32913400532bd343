import { Chart, Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { CdcPlatform, TenantsFileError } from '../src';
import { ofKind, synthPlatform } from './support/synth';
import { sampleTenants } from './support/tenants';

describe('CdcPlatform', () => {
  test('synthesizes the whole platform from tenants-file props', () => {
    expect(synthPlatform(sampleTenants())).toMatchSnapshot();
  });

  test('defines one connector per tenant of the right class', () => {
    const connectors = ofKind(synthPlatform(sampleTenants()), 'KafkaConnector');
    expect(connectors.map((c) => [c.metadata.name, c.spec.class])).toEqual([
      ['acme', 'io.debezium.connector.sqlserver.SqlServerConnector'],
      ['globex', 'io.debezium.connector.postgresql.PostgresConnector'],
      ['hooli', 'io.debezium.connector.mysql.MySqlConnector'],
    ]);
  });

  test('labels every per-tenant object with its tenant', () => {
    const objects = synthPlatform(sampleTenants());
    const perTenant = objects.filter((o) => o.metadata.labels?.['tenant-cdc/tenant'] !== undefined);
    expect(perTenant.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['KafkaConnector/acme', 'KafkaConnector/globex', 'KafkaConnector/hooli']);
    for (const object of perTenant) expect(object.metadata.labels?.['tenant-cdc/tenant']).toBe(object.metadata.name);
  });

  test('one Role and one RoleBinding per Connect cluster, not per tenant, named apart from Strimzi\'s own', () => {
    const objects = synthPlatform(sampleTenants());
    expect(ofKind(objects, 'Role').map((r) => r.metadata.name)).toEqual(['cdc-connect-connect-secrets']);
    const [binding] = ofKind(objects, 'RoleBinding');
    expect(ofKind(objects, 'RoleBinding')).toHaveLength(1);
    expect(binding.metadata.name).toBe('cdc-connect-connect-secrets');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cdc-connect-connect-secrets' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'cdc-connect-connect', namespace: 'cdc' }]);
    // Strimzi names its own Role <cluster>-connect and RoleBinding <cluster>-connect-role
    expect(['cdc-connect-connect', 'cdc-connect-connect-role']).not.toContain(binding.metadata.name);
  });

  test('the Role names each Secret once, sorted, even when tenants share one', () => {
    const sample = sampleTenants();
    const tenants = [...sample.tenants, { id: 'zeta', database: { host: 'zeta.example.com', name: 'Zeta' }, credentials: { secret: 'acme-db' } }];
    const [role] = ofKind(synthPlatform({ ...sample, tenants }), 'Role');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['acme-db', 'ccloud', 'globex-db', 'hooli-db'], verbs: ['get'] }]);
  });

  test('a Connect cluster with no connectors reads no Secret, so it gets no Role', () => {
    const sample = sampleTenants();
    const objects = synthPlatform({ ...sample, connect: { ...sample.connect, clusters: [{ name: 'idle' }] },
      tenants: sample.tenants.map((t) => ({ ...t, connect: 'cdc-connect' })) });
    expect(ofKind(objects, 'KafkaConnect').map((c) => c.metadata.name)).toEqual(['cdc-connect', 'idle']);
    expect(ofKind(objects, 'Role').map((r) => r.metadata.name)).toEqual(['cdc-connect-connect-secrets']);
  });

  test('refuses a Connect cluster whose Secrets one Role cannot safely name, with the cluster, the count and the fix', () => {
    // 33-character names, as a real fleet has them: ~3,600 fit in half of what the API server takes
    const secret = (i: number) => `tenant-acme-${String(i).padStart(6, '0')}-db-credentials`;
    // every tenant pinned to the second cluster, so the problem's place is connect.clusters[0]
    const file = (count: number) => sampleTenants({
      tenants: Array.from({ length: count }, (_, i) => ({
        id: `t${i}`, connect: 'cdc-b', database: { host: 'sql.example.com', name: `T${i}` }, credentials: { secret: secret(i) },
      })),
      connect: { name: 'cdc-connect', build: { image: 'registry.example.com/connect:1' }, clusters: [{ name: 'cdc-b' }] },
    });
    expect(() => new CdcPlatform(Testing.chart(), 'cdc', file(3500))).not.toThrow();
    let problems: readonly string[] = [];
    try {
      new CdcPlatform(Testing.chart(), 'cdc', file(4000));
    } catch (error) {
      problems = (error as TenantsFileError).problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^connect\.clusters\[0\]: Connect cluster cdc-b reads 4001 Secrets whose names take 14\d,\d{3} bytes, more than the 131,072 \(128 KiB\) one Role can safely hold .*; split its tenants over more Connect clusters \(connect\.clusters, docs\/fleets\.md\)$/)]);
  });

  test('lets Connect get every Secret a connector references, and nothing else', () => {
    const objects = synthPlatform(sampleTenants());
    const referenced = new Set<string>();
    for (const connector of ofKind(objects, 'KafkaConnector')) {
      for (const value of Object.values<any>(connector.spec.config)) {
        for (const match of String(value).matchAll(/\$\{secrets:cdc\/([^:]+):/g)) referenced.add(match[1]);
      }
    }
    const bindings = ofKind(objects, 'RoleBinding').filter((b) => b.subjects.some((s: any) => s.name === 'cdc-connect-connect' && s.namespace === 'cdc'));
    const readable = new Set(ofKind(objects, 'Role')
      .filter((role) => bindings.some((b) => b.roleRef.name === role.metadata.name))
      .flatMap((role) => role.rules.filter((r: any) => r.verbs.join() === 'get' && r.resources.join() === 'secrets').flatMap((r: any) => r.resourceNames)));
    expect([...referenced].sort()).toEqual(['acme-db', 'ccloud', 'globex-db', 'hooli-db']);
    expect([...readable].sort()).toEqual([...referenced].sort());
  });

  test('orders the Argo CD sync: access first, then Connect, then connectors and processor', () => {
    const wave = (kind: string) => new Set(ofKind(synthPlatform(sampleTenants()), kind).map((o) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'])));
    expect(wave('Role')).toEqual(new Set([-1]));
    expect(wave('RoleBinding')).toEqual(new Set([-1]));
    expect(wave('KafkaConnect')).toEqual(new Set([0]));
    expect(wave('KafkaConnector')).toEqual(new Set([1]));
    expect(wave('Deployment')).toEqual(new Set([1]));
  });

  test('points the processor at exactly the data topics Debezium writes', () => {
    const deployment = ofKind(synthPlatform(sampleTenants()), 'Deployment')[0];
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    const pattern = new RegExp(env.SOURCE_TOPIC_PATTERN);
    for (const topic of ['acme.Acme.dbo.Orders', 'globex.public.orders', 'hooli.hooli.orders']) expect(topic).toMatch(pattern);
    for (const topic of ['acme', 'acme.schema-history', '__debezium-heartbeat.acme', 'acme.transaction', 'globex.public', 'hooli.schema-history',
      'other.public.orders', 'cdc.events', 'cdc.events.dlq', 'xacme.Acme.dbo.Orders']) {
      expect(topic).not.toMatch(pattern);
    }
    expect(env.SINK_TOPIC).toBe('cdc.events');
  });

  test('gives MySQL tenants on one server distinct server ids', () => {
    const file = sampleTenants({
      tenants: ['a', 'b', 'c'].map((id) => ({ id, database: { kind: 'mysql' as const, host: 'mysql', name: id }, credentials: { secret: 's' }, tables: [`${id}.t`] })),
    });
    const ids = ofKind(synthPlatform(file), 'KafkaConnector').map((c) => c.spec.config['database.server.id']);
    expect(new Set(ids).size).toBe(3);
  });

  test('gives MySQL and MariaDB tenants of one server distinct server ids: both join its replication', () => {
    // t7pfs and tovja hash to the same server id (FNV-1a), so the one later in id order takes the next one
    const tenants = (host: string) => [
      { id: 't7pfs', database: { kind: 'mysql' as const, host: 'binlog-1', name: 'a' }, credentials: { secret: 's' }, tables: ['a.t'] },
      { id: 'tovja', database: { kind: 'mariadb' as const, host, name: 'b' }, credentials: { secret: 's' }, tables: ['b.t'] },
    ];
    const serverIds = (host: string) => ofKind(synthPlatform(sampleTenants({ tenants: tenants(host) })), 'KafkaConnector')
      .map((c) => [c.metadata.name, c.spec.class.split('.').pop(), c.spec.config['database.server.id']]);
    expect(serverIds('binlog-1')).toEqual([['t7pfs', 'MySqlConnector', 4152787895], ['tovja', 'MariaDbConnector', 4152787896]]);
    // on different servers nothing collides
    expect(serverIds('binlog-2')).toEqual([['t7pfs', 'MySqlConnector', 4152787895], ['tovja', 'MariaDbConnector', 4152787895]]);
  });

  test('MariaDB tenants: Debezium\'s MariaDB connector, db.table topics in the processor\'s pattern, a heartbeat topic of their own', () => {
    const file = sampleTenants({
      tenants: [...sampleTenants().tenants, { id: 'wonka', database: { kind: 'mariadb', host: 'maria.example.com', name: 'wonka' }, credentials: { secret: 'wonka-db' }, tables: ['wonka.orders'] }],
    });
    const objects = synthPlatform(file);
    const wonka = ofKind(objects, 'KafkaConnector').find((c) => c.metadata.name === 'wonka')!;
    expect(wonka.spec.class).toBe('io.debezium.connector.mariadb.MariaDbConnector');
    expect(wonka.spec.config).toMatchObject({ 'database.port': 3306, 'database.include.list': 'wonka', 'schema.history.internal.kafka.topic': 'wonka.schema-history' });
    expect(wonka.spec.config['topic.heartbeat.name']).toBeUndefined();
    const env = Object.fromEntries(ofKind(objects, 'Deployment')[0].spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    const pattern = new RegExp(env.SOURCE_TOPIC_PATTERN);
    expect('wonka.wonka.orders').toMatch(pattern);
    for (const topic of ['wonka', 'wonka.schema-history', '__debezium-heartbeat.wonka', 'wonka.wonka', 'wonka.a.b.c']) expect(topic).not.toMatch(pattern);
    const build = ofKind(objects, 'KafkaConnect')[0].spec.build.plugins.map((p: any) => `${p.name}:${p.artifacts[0].version}`);
    expect(build).toEqual(['debezium-connector-mariadb:3.5.0.Final', 'debezium-connector-mysql:3.6.1.Final',
      'debezium-connector-postgres:3.6.1.Final', 'debezium-connector-sqlserver:3.6.1.Final']);
    expect(new CdcPlatform(Testing.chart(), 'cdc', file).warnings).toEqual([
      'connect: Maven Central has debezium-connector-mariadb up to 3.5.0.Final only, so Connect cluster cdc-connect builds it at 3.5.0.Final, '
        + 'beside 3.6.1.Final for the other kinds (docs/generated-objects.md: What it generates)',
    ]);
  });

  test('warns when Connect would have no Debezium plugins', () => {
    const platform = new CdcPlatform(Testing.chart(), 'cdc', sampleTenants({ connect: {} }));
    expect(platform.warnings).toEqual([expect.stringMatching(/^connect: neither an image nor a build is set for Connect cluster tenant-cdc,/)]);
    expect(new CdcPlatform(Testing.chart(), 'cdc', sampleTenants()).warnings).toEqual([]);
  });

  test('fails on bad props with every problem listed', () => {
    const props = sampleTenants() as any;
    props.tenants[0].database.port = 0;
    props.tenants[1].id = props.tenants[0].id;
    expect(() => new CdcPlatform(new Chart(Testing.app(), 'c'), 'cdc', props)).toThrowError(TenantsFileError);
    try {
      new CdcPlatform(new Chart(Testing.app(), 'c'), 'cdc', props);
    } catch (error) {
      expect((error as TenantsFileError).problems).toEqual([
        'tenants[0].database.port: the port must be at least 1, got 0',
        'tenants[1].id: duplicate tenant id "acme", first used by tenants[0]; every tenant needs its own id',
      ]);
    }
  });
});
