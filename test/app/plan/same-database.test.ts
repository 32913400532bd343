import { describe, expect, test } from 'vitest';
import { TenantsFile } from '../../../src';
import { guardOptionsFrom, guardProblems } from '../../../src/app/plan/guards';
import { planChangedDocuments } from '../../../src/app/plan/output-diff';
import { planChanges } from '../../../src/app/plan/plan';
import { renderPlan } from '../../../src/app/plan/render';
import { synthPlatform, synthPlatformYaml } from '../../support/synth';
import { generatedTenants, sampleTenants } from '../../support/tenants';

/**
 * Issue 15, item 3: a tenant whose kind, host, port and database match a removed one's (or a database that
 * moves from one tenant to another) is the same database snapshotted again under new topics, not a new one.
 */
type Tenant = TenantsFile['tenants'][number];

function plan(before: TenantsFile, after: TenantsFile) {
  return planChanges(synthPlatform(before), synthPlatform(after));
}

function replace(file: TenantsFile, id: string, by: Tenant | Tenant[]): TenantsFile {
  return { ...file, tenants: file.tenants.flatMap((t) => (t.id === id ? by : [t])) };
}

const acme = sampleTenants().tenants.find((t) => t.id === 'acme')!;
const globex = sampleTenants().tenants.find((t) => t.id === 'globex')!;
const hooli = sampleTenants().tenants.find((t) => t.id === 'hooli')!;

describe('the same database under a new tenant id', () => {
  test('a renamed SQL Server tenant (host and database name in other cases) snapshots again; the old one\'s CDC setup is still needed', () => {
    const after = replace(sampleTenants(), 'acme', { ...acme, id: 'acme-eu', database: { host: 'ACME.Example.com', name: 'ACME' } });
    const result = plan(sampleTenants(), after);
    expect(result.tenants.map((t) => [t.tenant, t.change, t.consequences])).toEqual([
      ['acme', 'removed', ['data-left-behind']],
      ['acme-eu', 'added', ['snapshot', 'resnapshot']],
    ]);
    const [removed, added] = result.tenants;
    expect(added.explanation).toContain('the same database as removed tenant acme (sqlserver acme.example.com:1433, database Acme): '
      + 'it snapshots again, under new topics (acme-eu.*); left from acme: its offsets (in cdc-connect/cdc-connect-offsets), '
      + 'its topics (acme.*), and the database\'s CDC setup, which acme-eu reads again');
    // not "a DBA step to disable": the new tenant needs CDC on the database
    expect(removed.explanation.join(' ')).not.toMatch(/DBA step to disable/);
    expect(removed.explanation[1]).toBe('left behind: its topics (acme.*); CDC stays enabled on the database, which tenant acme-eu captures now: keep it');
    expect(result.summary.resnapshot).toBe(1);
    expect(renderPlan(result)).toMatch(/^Plan: 1 tenant added, 1 removed, 0 changed \(1 snapshot again\)/);
    expect(renderPlan(result)).toContain('  ! acme-eu [snapshot, resnapshot] (Connect cluster cdc-connect)');
  });

  test('synth refuses it unless re-snapshots are allowed', () => {
    const after = replace(sampleTenants(), 'acme', { ...acme, id: 'acme-eu' });
    const result = plan(sampleTenants(), after);
    const [problem, ...others] = guardProblems(result);
    expect(others).toEqual([]);
    expect(problem).toMatch(/^1 tenant would snapshot again a database tenant-cdc captures now:\n    acme-eu: the same database as removed tenant acme/);
    expect(guardProblems(result, guardOptionsFrom({ TENANT_CDC_ALLOW_RESNAPSHOT: 'true' }, []))).toEqual([]);
    expect(guardProblems(result, guardOptionsFrom({}, ['--allow-resnapshot']))).toEqual([]);
  });

  test('PostgreSQL database names are case-sensitive; a renamed PostgreSQL tenant leaves its slot and publication', () => {
    const other = plan(sampleTenants(), replace(sampleTenants(), 'globex', { ...globex, id: 'globex-2', database: { ...globex.database, name: 'Globex' } }));
    expect(other.tenants.map((t) => [t.tenant, t.consequences])).toEqual([['globex', ['data-left-behind']], ['globex-2', ['snapshot']]]);
    expect(guardProblems(other)).toEqual([]);

    const same = plan(sampleTenants(), replace(sampleTenants(), 'globex', { ...globex, id: 'globex-2', database: { ...globex.database, host: 'PG.example.com' } }));
    expect(same.tenants.map((t) => [t.tenant, t.consequences])).toEqual([['globex', ['data-left-behind']], ['globex-2', ['snapshot', 'resnapshot']]]);
    expect(same.tenants[1].explanation).toContain('the same database as removed tenant globex (postgres pg.example.com:5432, database globex): '
      + 'it snapshots again, under new topics (globex-2.*); left from globex: its offsets (in cdc-connect/cdc-connect-offsets), '
      + 'its topics (globex.*), and its replication slot dbz_globex (which keeps WAL until it is dropped) and publication dbz_globex; '
      + 'globex-2 makes its own (dbz_globex_2)');
    expect(same.tenants[0].cleanup).toEqual(['-- on pg.example.com:5432, database globex:', 'SELECT pg_drop_replication_slot(\'dbz_globex\');',
      'DROP PUBLICATION IF EXISTS dbz_globex;']);
  });

  test('another port or host is another database', () => {
    for (const database of [{ ...acme.database, port: 1434 }, { ...acme.database, host: 'acme2.example.com' }]) {
      const result = plan(sampleTenants(), replace(sampleTenants(), 'acme', { ...acme, id: 'acme-eu', database }));
      expect(result.tenants.map((t) => [t.tenant, t.consequences])).toEqual([['acme', ['data-left-behind']], ['acme-eu', ['snapshot']]]);
    }
  });

  test('a database moved into a SQL Server group under a new id, and out of it again', () => {
    const grouped = replace(sampleTenants({ sqlServerGroups: [{ name: 'sql-a', host: 'acme.example.com', credentials: { secret: 'sql-a-cdc' } }] }), 'acme', [
      { id: 'acme-g', group: 'sql-a', database: { name: 'acme' }, tables: ['dbo.Orders'] },
      { id: 'initech', group: 'sql-a', database: { name: 'Initech' }, tables: ['dbo.Orders'] },
    ]);
    const into = plan(sampleTenants(), grouped);
    expect(into.tenants.map((t) => [t.tenant, t.change, t.consequences])).toEqual([
      ['acme', 'removed', ['data-left-behind']],
      ['acme-g', 'added', ['snapshot', 'resnapshot']],
      ['initech', 'added', ['snapshot']],
    ]);
    expect(into.tenants[1].explanation).toContainEqual(expect.stringMatching(
      /^the same database as removed tenant acme \(sqlserver acme\.example\.com:1433, database Acme\): it snapshots again, under new topics \(sql-a\.acme\.\*\)/));

    const outOf = plan(grouped, replace(grouped, 'acme-g', { ...acme, id: 'acme-solo' }));
    expect(outOf.tenants.map((t) => [t.tenant, t.change, t.consequences])).toEqual([
      ['acme-g', 'removed', ['data-left-behind']],
      ['acme-solo', 'added', ['snapshot', 'resnapshot']],
      // the group's database list changes
      ['initech', 'changed', ['restart']],
    ]);
    expect(outOf.tenants[0].explanation.join(' ')).toMatch(/CDC stays enabled on the database, which tenant acme-solo captures now: keep it/);
    expect(outOf.tenants[1].explanation).toContainEqual(expect.stringMatching(/^the same database as removed tenant acme-g \(sqlserver acme\.example\.com:1433, database acme\)/));
  });

  test('a tenant of a SQL Server group renamed keeps its capture: the group\'s connector, offsets and topics stay, only the route changes', () => {
    const grouped = replace(sampleTenants({ sqlServerGroups: [{ name: 'sql-a', host: 'acme.example.com', credentials: { secret: 'sql-a-cdc' } }] }), 'acme', [
      { id: 'acme-g', group: 'sql-a', database: { name: 'Acme' }, tables: ['dbo.Orders'] },
      { id: 'initech', group: 'sql-a', database: { name: 'Initech' }, tables: ['dbo.Orders'] },
    ]);
    const result = plan(grouped, replace(grouped, 'acme-g', { id: 'acme-eu', group: 'sql-a', database: { name: 'Acme' }, tables: ['dbo.Orders'] }));
    expect(result.tenants.map((t) => [t.tenant, t.change, t.consequences, t.explanation])).toEqual([
      ['acme-eu', 'added', [], ['renamed from acme-g: the connector of SQL Server group sql-a goes on capturing database Acme from its offsets, '
        + 'into the same topics (sql-a.Acme.*); the processor labels its events acme-eu from now on']],
      ['acme-g', 'removed', [], ['renamed to acme-eu: nothing is deleted or left behind']],
    ]);
    expect(result.summary.resnapshot).toBe(0);
    expect(guardProblems(result)).toEqual([]);
    expect(renderPlan(result)).toContain('  + acme-eu (Connect cluster cdc-connect)\n      renamed from acme-g');

    // renamed while the file's spelling of the database changes case: SQL Server's names ignore case, and so do its offsets and topics
    const respelled = plan(grouped, replace(grouped, 'acme-g', { id: 'acme-eu', group: 'sql-a', database: { name: 'ACME' }, tables: ['dbo.Orders'] }));
    expect(respelled.summary.resnapshot).toBe(0);
    expect(guardProblems(respelled)).toEqual([]);
  });

  test('a database moved from one existing tenant to another is snapshotted again by the one that takes it', () => {
    const after = { ...sampleTenants(), tenants: [
      ...sampleTenants().tenants.filter((t) => t.id !== 'hooli'),
      { ...hooli, database: { ...hooli.database, name: 'hooli_archive' }, tables: ['hooli_archive.orders'] },
      { ...hooli, id: 'hooli-next', credentials: { secret: 'hooli-next-db' } },
    ] };
    const result = plan(sampleTenants(), after);
    const next = result.tenants.find((t) => t.tenant === 'hooli-next')!;
    expect(next.consequences).toEqual(['snapshot', 'resnapshot']);
    expect(next.explanation).toContainEqual(expect.stringMatching(/^the same database as tenant hooli had \(mysql my\.example\.com:3306, database hooli\): it snapshots again, under new topics \(hooli-next\.\*\)/));
    const moved = result.tenants.find((t) => t.tenant === 'hooli')!;
    expect(moved.explanation).toContainEqual('its database hooli is captured by tenant hooli-next now');
    // hooli's connector and offsets go on to hooli_archive, whose rows it would never snapshot
    expect(moved.consequences).toContain('database-switch');
    expect(guardProblems(result).map((p) => p.split('\n')[0])).toEqual([
      '1 tenant would snapshot again a database tenant-cdc captures now:', '1 tenant would go on from another database\'s offsets:']);
  });

  test('a tenant that keeps its id but points at another database would resume the old one\'s offsets there: refused unless allowed', () => {
    const after = replace(sampleTenants(), 'globex', { ...globex, database: { ...globex.database, name: 'globex_v2' } });
    const result = plan(sampleTenants(), after);
    const [switched] = result.tenants;
    expect([switched.tenant, switched.consequences]).toEqual(['globex', ['restart', 'database-switch']]);
    expect(switched.explanation).toContainEqual(expect.stringMatching(/^its database changes \(postgres pg\.example\.com:5432, database globex → postgres pg\.example\.com:5432, database globex_v2\) under the same connector and offsets: /));
    // not the plain restart's "resumes from its offsets", which would be the whole story only for the same database
    expect(switched.explanation).not.toContainEqual(expect.stringMatching(/^config change/));
    const [problem, ...others] = guardProblems(result);
    expect(others).toEqual([]);
    expect(problem).toMatch(/^1 tenant would go on from another database's offsets:\n    globex: its database changes/);
    expect(problem).toMatch(/give the tenant a new id/);
    expect(guardProblems(result, guardOptionsFrom({ TENANT_CDC_ALLOW_DATABASE_MOVE: 'true' }, []))).toEqual([]);
    expect(guardProblems(result, guardOptionsFrom({}, ['--allow-database-move']))).toEqual([]);
    expect(renderPlan(result)).toContain('  ! globex [restart, database-switch]');

    // the same database at a new address (host case, a DNS name spelled otherwise) is no switch
    const respelled = plan(sampleTenants(), replace(sampleTenants(), 'globex', { ...globex, database: { ...globex.database, host: 'PG.example.com' } }));
    expect(respelled.tenants.flatMap((t) => t.consequences)).not.toContain('database-switch');
  });

  test('the guard of every synth (only the documents that differ) finds what a plan of every object finds', () => {
    const file = generatedTenants(200, { seed: 9 });
    const renamed = { ...file, tenants: file.tenants.map((t, i) => (i % 50 === 7 ? { ...t, id: `${t.id}-renamed`, credentials: { secret: `${t.id}-renamed-db` } } : t)) };
    const full = planChanges(synthPlatform(file), synthPlatform(renamed));
    const fast = planChangedDocuments([synthPlatformYaml(file)], [synthPlatformYaml(renamed)]);
    expect(full.tenants.filter((t) => t.change === 'added' && t.consequences.includes('resnapshot'))).toHaveLength(4);
    expect(fast.tenants).toEqual(full.tenants);
    expect(fast.summary.resnapshot).toBe(4);
  });
});
