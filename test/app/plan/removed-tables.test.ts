import { describe, expect, test } from 'vitest';
import { TenantsFile } from '../../../src';
import { guardProblems } from '../../../src/app/plan/guards';
import { planChanges } from '../../../src/app/plan/plan';
import { renderPlan } from '../../../src/app/plan/render';
import { synthPlatform } from '../../support/synth';
import { sampleTenants } from '../../support/tenants';

/** Issue 15, item 2: a table taken out of a tenant's list leaves its topic behind, and the plan says so. */
function withTables(file: TenantsFile, tables: Record<string, string[]>): TenantsFile {
  return { ...file, tenants: file.tenants.map((t) => (tables[t.id] ? { ...t, tables: tables[t.id] } : t)) };
}

const before = withTables(sampleTenants(), {
  acme: ['dbo.Orders', 'dbo.Lines'], globex: ['public.orders', 'public.refunds'], hooli: ['hooli.orders', 'hooli.refunds'],
});

describe('removing a table', () => {
  test('each kind names the topic left behind, and what stays in the database', () => {
    const after = withTables(before, { acme: ['dbo.Orders'], globex: ['public.orders'], hooli: ['hooli.orders'] });
    const result = plan(before, after);
    expect(result.tenants.map((t) => [t.tenant, t.consequences])).toEqual([
      ['acme', ['restart', 'data-left-behind']],
      ['globex', ['restart', 'data-left-behind']],
      ['hooli', ['restart', 'data-left-behind']],
    ]);
    const left = (id: string) => result.tenants.find((t) => t.tenant === id)!.explanation.filter((e) => e.startsWith('left behind'));
    expect(left('acme')).toEqual(['left behind: the topic acme.Acme.dbo.Lines (of dbo.Lines, the database as the server spells it; delete it when its consumers are done), '
      + 'and the table\'s CDC capture instance, whose change table keeps filling (sys.sp_cdc_disable_table, a DBA step)']);
    // Debezium's filtered publication is set to the table list again when the connector starts
    expect(left('globex')).toEqual(['left behind: the topic globex.public.refunds (of public.refunds; delete it when its consumers are done); '
      + 'Debezium takes the table out of publication dbz_globex when the connector restarts']);
    expect(left('hooli')).toEqual(['left behind: the topic hooli.hooli.refunds (of hooli.refunds; delete it when its consumers are done)']);
    expect(renderPlan(result)).toContain('      left behind: the topic hooli.hooli.refunds');
    expect(guardProblems(result)).toEqual([]);
  });

  test('a SQL Server group leaves a topic per database of the group', () => {
    const group = (tables: string[]): TenantsFile => ({
      ...sampleTenants({ sqlServerGroups: [{ name: 'sql-a', host: 'sql-a.example.com', credentials: { secret: 'sql-a-cdc' } }] }),
      tenants: [
        { id: 'initech', group: 'sql-a', database: { name: 'Initech' }, tables },
        { id: 'umbrella', group: 'sql-a', database: { name: 'Umbrella' }, tables },
      ],
    });
    const result = plan(group(['dbo.Orders', 'sales.Refunds']), group(['dbo.Orders']));
    expect(result.tenants.map((t) => [t.tenant, t.consequences])).toEqual([['initech', ['restart', 'data-left-behind']], ['umbrella', ['restart', 'data-left-behind']]]);
    expect(result.tenants[1].explanation).toContainEqual(expect.stringMatching(/^left behind: the topic sql-a\.Umbrella\.sales\.Refunds \(of sales\.Refunds, the database as the server spells it;/));
  });

  test('adding a table leaves nothing behind', () => {
    const result = plan(before, withTables(before, { hooli: ['hooli.orders', 'hooli.refunds', 'hooli.invoices'] }));
    expect(result.tenants.map((t) => [t.tenant, t.consequences])).toEqual([['hooli', ['restart']]]);
  });
});

function plan(a: TenantsFile, b: TenantsFile) {
  return planChanges(synthPlatform(a), synthPlatform(b));
}
