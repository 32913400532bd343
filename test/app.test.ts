import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { parseTenantsYaml, TenantsFile } from '../src';
import { debeziumProblems } from './support/debezium-rules';
import { kubernetesProblems, strimziProblems, strimziValidators } from './support/schemas';
import { Manifest, ofKind, parseManifests, synthPlatformYaml } from './support/synth';
import { generatedTenants } from './support/tenants';

const root = path.join(__dirname, '..');
const fixtures = ['tenants.yaml', 'test/fixtures/minimal.yaml', 'test/fixtures/scram-mixed.yaml'];
const validators = strimziValidators();

function fromFile(file: string): TenantsFile {
  return parseTenantsYaml(fs.readFileSync(path.join(root, file), 'utf8'), file).file;
}

/** Secrets a connector references that no Role bound to its own Connect cluster's ServiceAccount lets it `get`. */
function unreadableSecrets(objects: Manifest[], namespace: string): string[] {
  const roles = new Map(ofKind(objects, 'Role').map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r]));
  // ServiceAccount to the Secrets its bound Roles let it get
  const readable = new Map<string, Set<string>>();
  for (const binding of ofKind(objects, 'RoleBinding')) {
    const role = roles.get(`${binding.metadata.namespace}/${binding.roleRef.name}`);
    const secrets = (role?.rules ?? []).filter((rule: any) => rule.verbs.includes('get') && rule.resources.includes('secrets')).flatMap((rule: any) => rule.resourceNames);
    for (const subject of binding.subjects.filter((s: any) => s.kind === 'ServiceAccount')) {
      if (!readable.has(subject.name)) readable.set(subject.name, new Set());
      for (const secret of secrets) readable.get(subject.name)!.add(secret);
    }
  }
  return ofKind(objects, 'KafkaConnector').flatMap((c) => {
    const mine = readable.get(`${c.metadata.labels!['strimzi.io/cluster']}-connect`) ?? new Set<string>();
    const referenced = Object.values<any>(c.spec.config)
      .flatMap((v) => [...String(v).matchAll(/\$\{secrets:([^/]+)\/([^:]+):[^}]+\}/g)].map((m) => (m[1] === namespace ? m[2] : `${m[1]}/${m[2]}`)));
    return [...new Set(referenced)].filter((secret) => !mine.has(secret)).map((secret) => `${c.metadata.name}: ${secret}`);
  });
}

/** Values that look like credentials rather than references to them. */
function literalCredentials(objects: Manifest[]): string[] {
  const found: string[] = [];
  if (ofKind(objects, 'Secret').length) found.push('a Secret object');
  for (const connector of ofKind(objects, 'KafkaConnector')) {
    for (const [key, value] of Object.entries<any>(connector.spec.config)) {
      if (/password|jaas/i.test(key) && !/\$\{secrets:[^}]+\}/.test(String(value))) found.push(`${connector.metadata.name}: ${key}`);
      if (/password="(?!\$\{secrets:)/.test(String(value))) found.push(`${connector.metadata.name}: ${key} has a literal password`);
    }
  }
  for (const deployment of ofKind(objects, 'Deployment')) {
    for (const env of deployment.spec.template.spec.containers.flatMap((c: any) => c.env ?? [])) {
      if (/PASSWORD|SECRET/.test(env.name) && env.value !== undefined) found.push(`${deployment.metadata.name}: env ${env.name} has a literal value`);
    }
  }
  return found;
}

function checkAll(file: TenantsFile, options: { kubernetes?: boolean } = {}) {
  const objects = parseManifests(synthPlatformYaml(file));
  expect(strimziProblems(objects, validators)).toEqual([]);
  expect(debeziumProblems(objects)).toEqual([]);
  expect(literalCredentials(objects)).toEqual([]);
  expect(unreadableSecrets(objects, file.namespace)).toEqual([]);
  if (options.kubernetes !== false) expect(kubernetesProblems(objects)).toEqual([]);
  return objects;
}

describe('the app on tenants files', () => {
  test.each(fixtures)('%s synthesizes objects Strimzi 1.2, Kubernetes and Debezium 3 accept', (file) => {
    const objects = checkAll(fromFile(file));
    expect(ofKind(objects, 'KafkaConnector').length).toBe(fromFile(file).tenants.length);
  });

  test.each([1, 2, 3])('a generated file of 300 tenants (seed %i), all kinds and Confluent Cloud auth, passes every check', (seed) => {
    const file = generatedTenants(300, { seed: seed * 7919 });
    const objects = checkAll(file);
    expect(new Set(ofKind(objects, 'KafkaConnector').map((c) => c.spec.class)).size).toBe(3);
    const connect = ofKind(objects, 'KafkaConnect')[0];
    expect(connect.spec.build.plugins.map((p: any) => p.name)).toEqual(['debezium-connector-mysql', 'debezium-connector-postgres', 'debezium-connector-sqlserver']);
  });

  test('a generated file of 300 tenants on three Connect clusters passes every check', () => {
    const objects = checkAll(generatedTenants(300, { seed: 101, clusters: 3 }));
    const connects = ofKind(objects, 'KafkaConnect');
    expect(connects).toHaveLength(3);
    for (const key of ['groupId', 'configStorageTopic', 'offsetStorageTopic', 'statusStorageTopic']) {
      expect(new Set(connects.map((c) => c.spec[key])).size, key).toBe(3);
    }
    const names = new Set(connects.map((c) => c.metadata.name));
    for (const connector of ofKind(objects, 'KafkaConnector')) expect(names.has(connector.metadata.labels!['strimzi.io/cluster'])).toBe(true);
  });

  test('a file with SQL Server groups passes every check', () => {
    const file = generatedTenants(100, { seed: 17 });
    const sqlTenants = file.tenants.filter((t) => t.database?.kind === 'sqlserver').slice(0, 12);
    file.sqlServerGroups = [{ name: 'grp-a', host: 'sql-a.example.com', credentials: { secret: 'grp-a-cdc' }, tasks: 3 }];
    file.tenants = file.tenants.map((t) => (sqlTenants.includes(t)
      ? { id: t.id, group: 'grp-a', database: { name: t.database!.name }, tables: ['dbo.orders', 'dbo.customers'] } : t));
    const objects = checkAll(file);
    const group = ofKind(objects, 'KafkaConnector').find((c) => c.metadata.name === 'grp-a')!;
    expect(group.spec.config['database.names'].split(',')).toHaveLength(12);
    expect(ofKind(objects, 'KafkaConnector')).toHaveLength(100 - 12 + 1);
  });

  test('a generated file of 3,000 tenants passes the Strimzi and Debezium checks', () => {
    const file = generatedTenants(3000, { seed: 42 });
    const objects = checkAll(file, { kubernetes: false });
    expect(ofKind(objects, 'KafkaConnector')).toHaveLength(3000);
    // one Role for the cluster: every tenant's Secret, the Kafka password and CA
    expect(ofKind(objects, 'Role')).toHaveLength(1);
    expect(ofKind(objects, 'Role')[0].rules[0].resourceNames).toEqual([...file.tenants.map((t) => t.credentials!.secret), 'kafka-ca', 'kafka-credentials'].sort());
  });

  test('a file without Kafka auth has no SASL anywhere', () => {
    const objects = checkAll(generatedTenants(30, { seed: 5, auth: false }));
    expect(JSON.stringify(objects)).not.toMatch(/sasl|SASL/);
  });
});

describe('determinism', () => {
  test('the same input gives byte-identical output', () => {
    const file = generatedTenants(200, { seed: 11 });
    expect(synthPlatformYaml(file)).toBe(synthPlatformYaml(structuredClone(file)));
  });

  test('reordering tenants changes nothing', () => {
    const file = generatedTenants(200, { seed: 12 });
    const shuffled = { ...file, tenants: [...file.tenants].sort((a, b) => (a.database!.name! < b.database!.name! ? 1 : -1)) };
    expect(shuffled.tenants[0]).not.toEqual(file.tenants[0]);
    expect(synthPlatformYaml(shuffled)).toBe(synthPlatformYaml(file));
  });

  test('adding a tenant only adds that tenant\'s objects and its topic to the processor', () => {
    const file = generatedTenants(20, { seed: 13 });
    const before = parseManifests(synthPlatformYaml(file));
    const extra = { id: 'newcomer', database: { kind: 'postgres' as const, host: 'pg', name: 'newcomer' }, credentials: { secret: 'newcomer-db' }, tables: ['public.t'] };
    const after = parseManifests(synthPlatformYaml({ ...file, tenants: [...file.tenants, extra] }));
    const key = (m: Manifest) => `${m.kind}/${m.metadata.name}`;
    const changed = after.filter((m) => JSON.stringify(m) !== JSON.stringify(before.find((b) => key(b) === key(m)))).map(key);
    expect(changed.sort()).toEqual(['Deployment/cdc-processor', 'KafkaConnector/newcomer', 'Role/cdc-connect-secrets']);
    const names = (objects: Manifest[]) => ofKind(objects, 'Role')[0].rules[0].resourceNames as string[];
    expect(names(after).filter((n) => !names(before).includes(n))).toEqual(['newcomer-db']);
    expect(names(before).filter((n) => !names(after).includes(n))).toEqual([]);
  });
});
