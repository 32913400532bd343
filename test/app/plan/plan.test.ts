import { describe, expect, test } from 'vitest';
import { Testing } from 'cdk8s';
import { SecretAccess, TenantsFile } from '../../../src';
import { guardOptionsFrom, guardProblems } from '../../../src/app/plan/guards';
import { planChangedDocuments } from '../../../src/app/plan/output-diff';
import { planChangeCount, planChanges } from '../../../src/app/plan/plan';
import { renderPlan } from '../../../src/app/plan/render';
import { synthPlatform, synthPlatformYaml } from '../../support/synth';
import { generatedTenants, sampleTenants } from '../../support/tenants';

function plan(before: TenantsFile, after: TenantsFile) {
  return planChanges(synthPlatform(before), synthPlatform(after));
}

function withTenants(file: TenantsFile, change: (tenants: TenantsFile['tenants']) => TenantsFile['tenants']): TenantsFile {
  return { ...file, tenants: change(file.tenants.map((t) => ({ ...t }))) };
}

describe('planChanges', () => {
  test('nothing changes when nothing does', () => {
    const result = plan(sampleTenants(), sampleTenants());
    expect(result.tenants).toEqual([]);
    expect(result.clusters).toEqual([]);
    expect(renderPlan(result)).toMatch(/^No changes: 3 tenants as they are\.\nKafka: 11 → 11 topics, 39 → 39 partitions before replication, 29 → 29 Kafka clients\.\n$/);
  });

  test('an added tenant snapshots; a removed PostgreSQL tenant leaves its slot and publication, with the statements to drop them', () => {
    const after = withTenants(sampleTenants(), (tenants) => [
      ...tenants.filter((t) => t.id !== 'globex'),
      { id: 'initech', database: { kind: 'mysql', host: 'my.example.com', name: 'initech' }, credentials: { secret: 'initech-db' }, tables: ['initech.orders'] },
    ]);
    const result = plan(sampleTenants(), after);
    expect(result.tenants.map((t) => [t.tenant, t.change, t.consequences])).toEqual([['globex', 'removed', ['data-left-behind']], ['initech', 'added', ['snapshot']]]);
    expect(result.tenants[0].cleanup).toEqual([
      '-- on pg.example.com:5432, database globex:',
      'SELECT pg_drop_replication_slot(\'dbz_globex\');',
      'DROP PUBLICATION IF EXISTS dbz_globex;',
    ]);
    expect(result.tenants[0].explanation.join(' ')).toMatch(/replication slot dbz_globex \(which keeps WAL until it is dropped\)/);
    expect(result.summary).toMatchObject({ added: 1, removed: 1, changed: 0, resnapshot: 0, connectorsRemoved: 1 });
    expect(guardProblems(result)).toEqual([]);
  });

  test('a removed MariaDB tenant leaves its topics and its own heartbeat topic behind', () => {
    const wonka = { id: 'wonka', database: { kind: 'mariadb' as const, host: 'maria.example.com', name: 'wonka' }, credentials: { secret: 'wonka-db' }, tables: ['wonka.orders'] };
    const before = withTenants(sampleTenants(), (tenants) => [...tenants, wonka]);
    const added = plan(sampleTenants(), before).tenants[0];
    expect(added).toMatchObject({ tenant: 'wonka', change: 'added', consequences: ['snapshot'], after: { kind: 'mariadb', database: 'wonka' } });
    const removed = plan(before, sampleTenants()).tenants[0];
    expect(removed).toMatchObject({ tenant: 'wonka', change: 'removed', consequences: ['data-left-behind'], cleanup: [] });
    expect(removed.explanation[1]).toBe('left behind: its topics (wonka.*), its heartbeat topic __debezium-heartbeat.wonka');
  });

  test('a table edit restarts the connector; a pause is a state change; neither is guarded', () => {
    const after = withTenants(sampleTenants(), (tenants) => tenants.map((t) => (t.id === 'acme' ? { ...t, tables: ['dbo.Orders', 'dbo.Lines'] }
      : t.id === 'hooli' ? { ...t, state: 'paused' as const } : t)));
    const result = plan(sampleTenants(), after);
    expect(result.tenants.map((t) => [t.tenant, t.consequences])).toEqual([['acme', ['restart']], ['hooli', ['state']]]);
    expect(result.tenants[0].config).toEqual([{ key: 'table.include.list', before: 'dbo\\.Orders', after: 'dbo\\.Orders,dbo\\.Lines' }]);
    expect(renderPlan(result)).toContain('      table.include.list: dbo\\.Orders → dbo\\.Orders,dbo\\.Lines');
    expect(guardProblems(result)).toEqual([]);
  });

  test('a new mask says which types the connector masks, and that the processor masks the others with the raw topic in clear', () => {
    const after = withTenants({ ...sampleTenants(), masking: { salt: 'pepper-0123456789abcdef' } }, (tenants) => tenants.map((t) => (t.id === 'globex'
      ? { ...t, tables: [{ table: 'public.orders', key: ['id'], hash: ['email'], asterisks: { phone: 4 } }] } : t)));
    const [globex] = plan(sampleTenants(), after).tenants;
    expect(globex.tenant).toBe('globex');
    expect(globex.explanation).toContain('masks (hash, asterisks): the postgres connector masks char, varchar, text, name, enum types and domains over these '
      + '(not citext, uuid, json); the processor masks values of other types before the final topic, but the raw topic holds them in clear (docs/tenants-file.md: Columns)');
  });

  test('a credentials.version bump restarts exactly that tenant\'s connector', () => {
    const after = withTenants(sampleTenants(), (tenants) => tenants.map((t) => (t.id === 'globex' ? { ...t, credentials: { ...t.credentials, version: 2 } } : t)));
    const result = plan(sampleTenants(), after);
    expect(result.tenants.map((t) => [t.tenant, t.consequences, t.explanation])).toEqual([
      ['globex', ['restart'], ['credentials.version changed: the connector restarts, reads its Secret again and resumes from its offsets']]]);
    expect(result.tenants[0].config).toEqual([{ key: 'tenant-cdc.credentials.version', after: '2' }]);
  });

  test('a tenant pinned to another cluster snapshots again, and synth refuses it unless allowed', () => {
    const before = sampleTenants({ connect: { name: 'cdc-connect', build: { image: 'r/c:1' }, clusters: [{ name: 'cdc-b' }] } });
    before.tenants = before.tenants.map((t) => ({ ...t, connect: 'cdc-connect' }));
    const after = withTenants(before, (tenants) => tenants.map((t) => (t.id === 'acme' ? { ...t, connect: 'cdc-b' } : t)));
    const result = plan(before, after);
    expect(result.tenants.map((t) => [t.tenant, t.consequences])).toEqual([['acme', ['resnapshot']]]);
    expect(result.tenants[0].explanation[0]).toBe("moves from Connect cluster cdc-connect to cdc-b: cdc-b has no offsets for it (they are in cdc-connect/cdc-connect-offsets), so it snapshots again");
    const [problem] = guardProblems(result);
    expect(problem).toMatch(/^1 tenant would snapshot again a database tenant-cdc captures now:\n    acme: moves from Connect cluster cdc-connect to cdc-b/);
    expect(problem).toMatch(/TENANT_CDC_ALLOW_RESNAPSHOT=true \(or --allow-resnapshot\)/);
    expect(guardProblems(result, guardOptionsFrom({ TENANT_CDC_ALLOW_RESNAPSHOT: 'true' }, []))).toEqual([]);
    expect(guardProblems(result, guardOptionsFrom({}, ['--allow-resnapshot']))).toEqual([]);
  });

  test('adding a cluster lists exactly the tenants rendezvous hashing moves to it', () => {
    const before = generatedTenants(60, { seed: 3 });
    const after = { ...before, connect: { ...before.connect, clusters: [{ name: 'cdc-new' }] } };
    const result = plan(before, after);
    const moved = result.tenants.filter((t) => t.consequences.includes('resnapshot'));
    expect(moved.length).toBeGreaterThan(10);
    expect(moved.every((t) => t.after!.cluster === 'cdc-new')).toBe(true);
    expect(result.clusters.map((c) => [c.cluster, c.change])).toEqual([['cdc-new', 'added']]);
  });

  test('renaming connect.name re-snapshots every tenant', () => {
    const result = plan(sampleTenants(), sampleTenants({ connect: { name: 'renamed', build: { image: 'registry.example.com/connect:1' } } }));
    expect(result.summary.resnapshot).toBe(3);
    expect(result.clusters.map((c) => [c.cluster, c.change])).toEqual([['cdc-connect', 'removed'], ['renamed', 'added']]);
  });

  test('moving a tenant into a SQL Server group re-snapshots it: another connector keeps its offsets', () => {
    const after = withTenants(sampleTenants(), (tenants) => tenants.map((t) => (t.id === 'acme' ? { id: 'acme', group: 'sql-a', database: { name: 'Acme' }, tables: ['dbo.Orders'] } : t)));
    after.sqlServerGroups = [{ name: 'sql-a', host: 'acme.example.com', credentials: { secret: 'sql-a-cdc' } }];
    const result = plan(sampleTenants(), after);
    expect(result.tenants.map((t) => [t.tenant, t.consequences])).toEqual([['acme', ['resnapshot']]]);
    expect(result.tenants[0].explanation).toContainEqual(expect.stringMatching(/^captured by connector sql-a instead of acme; Connect keys offsets by connector name/));
  });

  test('deleting many connectors at once is refused unless allowed; one is always allowed', () => {
    const before = generatedTenants(40, { seed: 4 });
    const half = { ...before, tenants: before.tenants.slice(0, 20) };
    const result = plan(before, half);
    expect(guardProblems(result)).toEqual([expect.stringMatching(/^20 of 40 connectors would be deleted at once, more than 4 \(10 %, TENANT_CDC_MAX_REMOVED_SHARE\)/)]);
    expect(guardProblems(result, { allowRemovals: true })).toEqual([]);
    expect(guardProblems(result, guardOptionsFrom({ TENANT_CDC_MAX_REMOVED_SHARE: '0.5' }, []))).toEqual([]);
    expect(guardProblems(plan(sampleTenants(), withTenants(sampleTenants(), (tenants) => tenants.slice(1))))).toEqual([]);
  });

  test('a tenant added or removed grants or revokes its Secret in its cluster\'s Role, named with the tenant', () => {
    const after = withTenants(sampleTenants(), (tenants) => [
      ...tenants.filter((t) => t.id !== 'globex'),
      { id: 'initech', database: { kind: 'mysql', host: 'my.example.com', name: 'initech' }, credentials: { secret: 'initech-db' }, tables: ['initech.orders'] },
    ]);
    const result = plan(sampleTenants(), after);
    expect(result.secrets).toEqual([
      { serviceAccount: 'cdc/cdc-connect-connect', secret: 'globex-db', change: 'revoked', roles: ['cdc-connect-connect-secrets'], owners: ['tenant globex'] },
      { serviceAccount: 'cdc/cdc-connect-connect', secret: 'initech-db', change: 'granted', roles: ['cdc-connect-connect-secrets'], owners: ['tenant initech'] },
    ]);
    expect(result.tenants.find((t) => t.tenant === 'initech')!.explanation).toContain('Role cdc-connect-connect-secrets lets cdc/cdc-connect-connect get its Secret initech-db');
    expect(result.tenants.find((t) => t.tenant === 'globex')!.explanation).toContain('Role cdc-connect-connect-secrets no longer lets cdc/cdc-connect-connect get its Secret globex-db');
    expect(renderPlan(result)).toContain([
      'Secret access: 1 Secret granted, 1 revoked (the Connect clusters\' Roles):',
      '  - cdc/cdc-connect-connect get Secret globex-db (tenant globex; Role cdc-connect-connect-secrets)',
      '  + cdc/cdc-connect-connect get Secret initech-db (tenant initech; Role cdc-connect-connect-secrets)',
    ].join('\n'));
  });

  test('a Secret two tenants share stays granted while one of them remains', () => {
    const sharing = withTenants(sampleTenants(), (tenants) => [...tenants, { ...tenants[0], id: 'acme-eu', database: { host: 'acme-eu.example.com', name: 'AcmeEu' } }]);
    expect(plan(sharing, sampleTenants()).secrets).toEqual([]);
    expect(plan(sampleTenants(), withTenants(sampleTenants(), (tenants) => tenants.filter((t) => t.id !== 'acme'))).secrets)
      .toEqual([expect.objectContaining({ secret: 'acme-db', change: 'revoked', owners: ['tenant acme'] })]);
  });

  test('from per-tenant Roles to one Role per cluster: the ServiceAccount reads the same Secrets, and the plan names the Roles that leave', () => {
    const now = synthPlatform(sampleTenants());
    // the output of earlier releases: a Role and RoleBinding per tenant and one for the Kafka login, all bound to the same ServiceAccount
    const chart = Testing.chart();
    for (const [name, secret] of [['tenant-acme', 'acme-db'], ['tenant-globex', 'globex-db'], ['tenant-hooli', 'hooli-db'], ['kafka-credentials', 'ccloud']]) {
      new SecretAccess(chart, name, { name: `cdc-connect-${name}`, namespace: 'cdc', secretNames: [secret], serviceAccountName: 'cdc-connect-connect' });
    }
    const earlier = [...now.filter((o) => o.kind !== 'Role' && o.kind !== 'RoleBinding'), ...Testing.synth(chart)];
    const result = planChanges(earlier, now);
    expect(result.secrets).toEqual([]);
    expect(result.tenants).toEqual([]);
    // Argo CD deletes them only when it prunes: left behind they would grant a removed tenant's Secret
    expect(result.accessObjects).toEqual({
      added: ['Role cdc/cdc-connect-connect-secrets', 'RoleBinding cdc/cdc-connect-connect-secrets'],
      removed: ['kafka-credentials', 'tenant-acme', 'tenant-globex', 'tenant-hooli'].flatMap((n) => [`Role cdc/cdc-connect-${n}`, `RoleBinding cdc/cdc-connect-${n}`])
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    });
    expect(planChangeCount(result)).toBe(10);
    const text = renderPlan(result);
    expect(text).toMatch(/^Plan: 0 tenants added, 0 removed, 0 changed; 3 → 3 tenants\./);
    expect(text).toContain('RBAC objects: 2 added, 8 removed (Argo CD deletes removed ones only when it prunes; otherwise delete them with kubectl):\n'
      + '  + Role cdc/cdc-connect-connect-secrets\n');
    expect(text).toContain('  - RoleBinding cdc/cdc-connect-tenant-hooli\n');
    expect(planChangeCount(planChanges(now, now))).toBe(0);
    // one Secret less in the new Role is a revocation, even though the old Roles are gone
    const short = now.map((o) => (o.kind === 'Role' ? { ...o, rules: [{ ...o.rules[0], resourceNames: o.rules[0].resourceNames.filter((n: string) => n !== 'hooli-db') }] } : o));
    expect(planChanges(earlier, short).secrets).toEqual([expect.objectContaining({ secret: 'hooli-db', change: 'revoked', owners: ['tenant hooli'] })]);
  });

  test('a Connect cluster spec change rolls its workers', () => {
    const result = plan(sampleTenants(), sampleTenants({ connect: { name: 'cdc-connect', replicas: 4, build: { image: 'registry.example.com/connect:1' } } }));
    expect(result.clusters).toEqual([{ cluster: 'cdc-connect', change: 'changed', fields: [{ key: 'replicas', before: '2', after: '4' }],
      explanation: [expect.stringMatching(/^Strimzi rolls its workers one by one \(replicas\)/)] }]);
    expect(result.tenants).toEqual([]);
  });
});

describe('planChangedDocuments (the guard of every synth)', () => {
  /** Another tenant like `tenant`, on its own database and Secret. */
  const copyOf = (tenant: TenantsFile['tenants'][number], id: string): TenantsFile['tenants'][number] => ({
    ...tenant, id, database: { ...tenant.database, name: id.replace(/-/g, '_') }, credentials: { ...tenant.credentials, secret: `${id}-db` },
  });
  const file = generatedTenants(300, { seed: 5 });
  const edits: Array<[string, TenantsFile]> = [
    ['one tenant\'s tables', withTenants(file, (tenants) => tenants.map((t, i) => (i === 150 ? { ...t, tables: [...(t.tables ?? []), 'dbo.Refunds'] } : t)))],
    ['tenants added at both ends and in the middle', withTenants(file, (tenants) => [
      copyOf(tenants[0], 'aaa-first'), ...tenants.slice(0, 100), copyOf(tenants[100], `${tenants[100].id}-b`),
      ...tenants.slice(100), copyOf(tenants[299], 'zzz-last')])],
    ['tenants removed here and there', withTenants(file, (tenants) => tenants.filter((_, i) => i % 37 !== 3))],
    ['a second Connect cluster (tenants move)', { ...file, connect: { ...file.connect, clusters: [{ name: 'second' }] } }],
    ['the Connect cluster renamed', { ...file, connect: { ...file.connect, name: 'renamed' } }],
  ];
  test.each(edits)('finds what a plan of every object finds: %s', (_, edited) => {
    const before = synthPlatformYaml(file);
    const after = synthPlatformYaml(edited);
    const full = planChanges(synthPlatform(file), synthPlatform(edited));
    const fast = planChangedDocuments([before], [after]);
    expect(fast.tenants.length).toBeGreaterThan(0);
    expect(fast.tenants).toEqual(full.tenants);
    expect(fast.clusters).toEqual(full.clusters);
    expect(fast.secrets).toEqual(full.secrets);
    // only the counts of tenants come from the documents that differ (said in planChangedDocuments)
    const { tenantsBefore: _b, tenantsAfter: _a, ...summary } = full.summary;
    expect(fast.summary).toMatchObject(summary);
  });
});
