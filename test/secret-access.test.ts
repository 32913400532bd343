import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { SecretAccess } from '../src';

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

  test('fails on the names Strimzi uses for its own RBAC', () => {
    for (const name of ['dbz-connect', 'dbz-connect-role']) {
      expect(() => new SecretAccess(Testing.chart(), 'A', { name, namespace: 'cdc', secretNames: ['s'], serviceAccountName: 'dbz-connect' }))
        .toThrowError(`${name} is the name Strimzi gives its own Role or RoleBinding for the Connect pods; choose another name`);
    }
  });
});
