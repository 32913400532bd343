import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { CdcPlatform, TenantsFile } from '../src';
import { placeTenant } from '../src/fleet/placement';
import { ofKind, synthPlatform } from './support/synth';
import { generatedTenants, sampleTenants } from './support/tenants';

/** Several Connect clusters (shards) in one tenants file. */
function shardedFile(): TenantsFile {
  const file = generatedTenants(60, { seed: 21 });
  return {
    ...file,
    connect: { ...file.connect, clusters: [{ name: 'cdc-b' }, { name: 'cdc-canary', replicas: 1, debezium: { version: '3.7.0.Final' } }] },
    tenants: file.tenants.map((t, i) => (i === 0 ? { ...t, connect: 'cdc-canary' } : t)),
  };
}

describe('Connect clusters (shards)', () => {
  const objects = synthPlatform(shardedFile());
  const connects = ofKind(objects, 'KafkaConnect');
  const connectors = ofKind(objects, 'KafkaConnector');

  test('each cluster is its own KafkaConnect: own group id, storage topics and metrics ConfigMap', () => {
    expect(connects.map((c) => c.metadata.name)).toEqual(['cdc', 'cdc-b', 'cdc-canary']);
    for (const connect of connects) {
      const name = connect.metadata.name;
      expect(connect.spec).toMatchObject({ groupId: name, configStorageTopic: `${name}-configs`, offsetStorageTopic: `${name}-offsets`, statusStorageTopic: `${name}-status` });
      expect(connect.spec.metricsConfig.valueFrom.configMapKeyRef.name).toBe(`${name}-metrics`);
      expect(ofKind(objects, 'ConfigMap').some((m) => m.metadata.name === `${name}-metrics`)).toBe(true);
    }
  });

  test('unset fields inherit from the first cluster; a cluster may run another Debezium version', () => {
    const [first, b, canary] = connects;
    expect(b.spec.build.output).toEqual(first.spec.build.output);
    expect(canary.spec.replicas).toBe(1);
    expect(new Set(canary.spec.build.plugins.flatMap((p: any) => p.artifacts.map((a: any) => a.version)))).toEqual(new Set(['3.7.0.Final']));
    expect(new Set(first.spec.build.plugins.flatMap((p: any) => p.artifacts.map((a: any) => a.version)))).toEqual(new Set(['3.6.1.Final']));
  });

  test('a pinned tenant runs where it is pinned; the others where rendezvous hashing puts them', () => {
    const file = shardedFile();
    const clusterOf = new Map(connectors.map((c) => [c.metadata.name, c.metadata.labels!['strimzi.io/cluster']]));
    expect(clusterOf.get(file.tenants[0].id)).toBe('cdc-canary');
    for (const tenant of file.tenants.slice(1)) expect(clusterOf.get(tenant.id)).toBe(placeTenant(tenant.id, ['cdc', 'cdc-b', 'cdc-canary']));
    expect(new Set(clusterOf.values())).toEqual(new Set(['cdc', 'cdc-b', 'cdc-canary']));
  });

  test('each cluster\'s one Role names exactly its own tenants\' Secrets and the Kafka password and CA, bound to its own ServiceAccount', () => {
    const roles = new Map(ofKind(objects, 'Role').map((r) => [r.metadata.name, r]));
    expect([...roles.keys()]).toEqual(['cdc-connect-secrets', 'cdc-b-connect-secrets', 'cdc-canary-connect-secrets']);
    for (const cluster of ['cdc', 'cdc-b', 'cdc-canary']) {
      const mine = connectors.filter((c) => c.metadata.labels!['strimzi.io/cluster'] === cluster).map((c) => `${c.metadata.name}-db`);
      expect(mine.length).toBeGreaterThan(0);
      expect(roles.get(`${cluster}-connect-secrets`)!.rules[0].resourceNames).toEqual([...mine, 'kafka-ca', 'kafka-credentials'].sort());
      const binding = ofKind(objects, 'RoleBinding').find((b) => b.metadata.name === `${cluster}-connect-secrets`)!;
      expect(binding.roleRef.name).toBe(`${cluster}-connect-secrets`);
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: `${cluster}-connect`, namespace: 'cdc' }]);
    }
    expect(ofKind(objects, 'RoleBinding')).toHaveLength(3);
  });

  test('each cluster shares one heartbeat topic among its connectors; one processor reads every cluster\'s tenants', () => {
    for (const connector of connectors) {
      expect(connector.spec.config['topic.heartbeat.name']).toBe(`__debezium-heartbeat.${connector.metadata.labels!['strimzi.io/cluster']}`);
    }
    const [deployment] = ofKind(objects, 'Deployment');
    const pattern = new RegExp(deployment.spec.template.spec.containers[0].env.find((e: any) => e.name === 'SOURCE_TOPIC_PATTERN').value);
    for (const connector of connectors) expect(pattern.test(`${connector.metadata.name}.public.orders`) || pattern.test(`${connector.metadata.name}.Db.dbo.orders`)).toBe(true);
  });

  test('adding a tenant moves no other tenant', () => {
    const file = shardedFile();
    const before = new Map(connectors.map((c) => [c.metadata.name, c.metadata.labels!['strimzi.io/cluster']]));
    const more = { ...file, tenants: [...file.tenants, { ...file.tenants[1], id: 'newcomer', database: { ...file.tenants[1].database, host: 'newcomer.example.com' } }] };
    const after = new Map(ofKind(synthPlatform(more), 'KafkaConnector').map((c) => [c.metadata.name, c.metadata.labels!['strimzi.io/cluster']]));
    for (const [tenant, cluster] of before) expect(after.get(tenant)).toBe(cluster);
  });

  test('a cluster without tenants gets a warning', () => {
    const file = sampleTenants({ connect: { name: 'cdc-connect', build: { image: 'r/c:1' }, clusters: [{ name: 'empty' }] } });
    file.tenants = file.tenants.map((t) => ({ ...t, connect: 'cdc-connect' }));
    expect(new CdcPlatform(Testing.chart(), 'cdc', file).warnings).toContainEqual('connect: Connect cluster empty has no tenants (none pinned to it, none placed on it)');
  });
});
