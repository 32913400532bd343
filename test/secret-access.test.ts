import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { ROLE_SECRET_NAMES_MAX_BYTES, SecretAccess, secretNamesBytes } from '../src';

describe('SecretAccess', () => {
  test('synthesizes a Role and its RoleBinding', () => {
    const chart = Testing.chart();
    new SecretAccess(chart, 'Access', { name: 'dbz-tenant-acme', namespace: 'cdc', secretNames: ['acme-db'], serviceAccountName: 'dbz-connect', labels: { 'tenant-cdc/tenant': 'acme' } });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('grants get on exactly the named Secrets to the ServiceAccount', () => {
    const chart = Testing.chart();
    new SecretAccess(chart, 'Access', { name: 'read', namespace: 'cdc', secretNames: ['b', 'a', 'b'], serviceAccountName: 'dbz-connect', serviceAccountNamespace: 'ops' });
    const [role, binding] = Testing.synth(chart);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'], verbs: ['get'] }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'dbz-connect', namespace: 'ops' }]);
  });

  test('fails without Secrets', () => {
    expect(() => new SecretAccess(Testing.chart(), 'A', { name: 'read', namespace: 'cdc', secretNames: [], serviceAccountName: 'sa' }))
      .toThrowError('secret access read lists no Secrets; name at least one');
  });

  test('fails on more Secrets than one Role can safely name, with the count and the fix', () => {
    // 33-character names: 3,640 fit in ROLE_SECRET_NAMES_MAX_BYTES (bench:rbac)
    const names = (count: number) => Array.from({ length: count }, (_, i) => `tenant-acme-${String(i).padStart(6, '0')}-db-credentials`);
    expect(secretNamesBytes(names(3640))).toBeLessThanOrEqual(ROLE_SECRET_NAMES_MAX_BYTES);
    expect(secretNamesBytes(names(3641))).toBeGreaterThan(ROLE_SECRET_NAMES_MAX_BYTES);
    const props = (count: number) => ({ name: 'read', namespace: 'cdc', secretNames: names(count), serviceAccountName: 'sa' });
    expect(() => new SecretAccess(Testing.chart(), 'A', props(3640))).not.toThrow();
    expect(() => new SecretAccess(Testing.chart(), 'A', props(3641)))
      .toThrowError(/^secret access read lists 3641 Secrets whose names take 131,077 bytes, more than the 131,072 \(128 KiB\) one Role can safely hold .*; split the Secrets over several Roles$/);
  });

  test('fails on the names Strimzi uses for its own RBAC', () => {
    for (const name of ['dbz-connect', 'dbz-connect-role']) {
      expect(() => new SecretAccess(Testing.chart(), 'A', { name, namespace: 'cdc', secretNames: ['s'], serviceAccountName: 'dbz-connect' }))
        .toThrowError(`${name} is the name Strimzi gives its own Role or RoleBinding for the Connect pods; choose another name`);
    }
  });
});
