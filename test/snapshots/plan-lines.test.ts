import { describe, expect, test } from 'vitest';
import { TenantsFile } from '../../src';
import { planChanges } from '../../src/app/plan/plan';
import { renderPlan } from '../../src/app/plan/render';
import { ofKind, synthPlatform } from '../support/synth';
import { sampleTenants } from '../support/tenants';

function withTables(file: TenantsFile, id: string, tables: string[]): TenantsFile {
  return { ...file, tenants: file.tenants.map((t) => (t.id === id ? { ...t, tables } : t)) };
}

describe('the plan of a table added to a running tenant', () => {
  test('says the table is snapshotted while the connector streams', () => {
    const result = planChanges(synthPlatform(sampleTenants()), synthPlatform(withTables(sampleTenants(), 'acme', ['dbo.Orders', 'dbo.Refunds'])));
    expect(result.tenants.map((t) => [t.tenant, t.consequences])).toEqual([['acme', ['restart']]]);
    expect(result.tenants[0].explanation).toContain('snapshot of dbo.Refunds (while streaming)');
    expect(renderPlan(result)).toContain('snapshot of dbo.Refunds (while streaming)');
  });

  test('in every database of a SQL Server group', () => {
    const grouped = (tables: string[]): TenantsFile => ({
      ...sampleTenants(),
      sqlServerGroups: [{ name: 'eu-sql', host: 'sql-eu', credentials: { secret: 'eu-sql-db' } }],
      tenants: [...sampleTenants().tenants, ...['Initech', 'Umbrella'].map((name) => ({ id: name.toLowerCase(), group: 'eu-sql', database: { name }, tables }))],
    });
    const result = planChanges(synthPlatform(grouped(['dbo.Orders'])), synthPlatform(grouped(['dbo.Orders', 'dbo.Refunds'])));
    expect(result.tenants.map((t) => t.tenant)).toEqual(['initech', 'umbrella']);
    for (const tenant of result.tenants) expect(tenant.explanation).toContain('snapshot of dbo.Refunds (while streaming, in every database of the group)');
  });

  test('an output from before signals: the table arrives without its history, and the plan says so', () => {
    const old = synthPlatform(sampleTenants()).map((o) => (o.kind === 'KafkaConnector'
      ? { ...o, spec: { ...o.spec, config: Object.fromEntries(Object.entries(o.spec.config).filter(([k]) => !k.startsWith('signal.'))) } } : o));
    expect(ofKind(old, 'KafkaConnector')[0].spec.config['signal.kafka.topic']).toBeUndefined();
    const result = planChanges(old, synthPlatform(withTables(sampleTenants(), 'acme', ['dbo.Orders', 'dbo.Refunds'])));
    expect(result.tenants[0].explanation).toContain('dbo.Refunds: captured from the restart on, without its existing rows (the connector had no snapshot signal channel before this change)');
  });

  test('the processor gets every connector\'s data collections, so its reconciler knows what to snapshot', () => {
    const deployment = ofKind(synthPlatform(withTables(sampleTenants(), 'acme', ['dbo.Orders', 'dbo.Refunds'])), 'Deployment')[0];
    const env = deployment.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'SNAPSHOT_CONNECTORS');
    expect(JSON.parse(env.value)).toEqual({
      acme: { signals: '__tenant-cdc-signals.cdc-connect', notifications: '__tenant-cdc-notifications.cdc-connect', tables: ['Acme.dbo.Orders', 'Acme.dbo.Refunds'] },
      globex: { signals: '__tenant-cdc-signals.cdc-connect', notifications: '__tenant-cdc-notifications.cdc-connect', tables: ['public.orders'] },
      hooli: { signals: '__tenant-cdc-signals.cdc-connect', notifications: '__tenant-cdc-notifications.cdc-connect', tables: ['hooli.orders'] },
    });
  });
});
