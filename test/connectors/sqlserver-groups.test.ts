import { describe, expect, test } from 'vitest';
import { TenantsFile } from '../../src';
import { parseProcessorConfig } from '../../src/processor/config';
import { debeziumTransform } from '../../src/processor/transform';
import { ofKind, synthPlatform } from '../support/synth';
import { platformProblems, sampleTenants } from '../support/tenants';

/** sampleTenants plus a SQL Server group of three tenants on one server. */
function groupedFile(): TenantsFile {
  const file = sampleTenants();
  return {
    ...file,
    sqlServerGroups: [{ name: 'eu-sql-1', host: 'sql-eu-1.example.com', credentials: { secret: 'eu-sql-1-cdc' }, tasks: 2 }],
    tenants: [
      ...file.tenants,
      ...['initech', 'umbrella', 'wayne'].map((id) => ({ id, group: 'eu-sql-1', database: { name: `${id[0].toUpperCase()}${id.slice(1)}Prod` }, tables: ['dbo.Orders', 'dbo.Customers'] })),
    ],
  };
}

const problemsOf = platformProblems;

describe('SQL Server groups: one multi-database connector for tenants on one server', () => {
  const objects = synthPlatform(groupedFile());

  test('the group gets one KafkaConnector listing every database, with its tasks, login and schema history', () => {
    const group = ofKind(objects, 'KafkaConnector').find((c) => c.metadata.name === 'eu-sql-1')!;
    expect(group.metadata.labels).toMatchObject({ 'tenant-cdc/group': 'eu-sql-1', 'strimzi.io/cluster': 'cdc-connect' });
    expect(group.spec.tasksMax).toBe(2);
    expect(group.spec.config).toMatchObject({
      'database.names': 'InitechProd,UmbrellaProd,WayneProd',
      'database.hostname': 'sql-eu-1.example.com',
      'database.user': '${secrets:cdc/eu-sql-1-cdc:username}',
      'topic.prefix': 'eu-sql-1',
      'schema.history.internal.kafka.topic': 'eu-sql-1.schema-history',
      'table.include.list': 'dbo\\.Orders,dbo\\.Customers',
    });
    // no connector of their own; the cluster's one Role names the group's Secret, not the members'
    for (const id of ['initech', 'umbrella', 'wayne']) expect(objects.some((o) => o.metadata.name.endsWith(id) || o.metadata.name === id)).toBe(false);
    const [role] = ofKind(objects, 'Role');
    expect(role.metadata.name).toBe('cdc-connect-connect-secrets');
    expect(role.rules[0].resourceNames).toContain('eu-sql-1-cdc');
    expect(role.rules[0].resourceNames.filter((s: string) => /initech|umbrella|wayne/.test(s))).toEqual([]);
  });

  test('the processor maps <group>/<database> to the tenant, and reads the group\'s topics', () => {
    const [deployment] = ofKind(objects, 'Deployment');
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    env.KAFKA_SASL_PASSWORD = `test-${Math.random().toString(36).slice(2)}`;
    const config = parseProcessorConfig(env);
    expect(Object.fromEntries(config.tenantRoutes)).toEqual({ 'eu-sql-1/InitechProd': 'initech', 'eu-sql-1/UmbrellaProd': 'umbrella', 'eu-sql-1/WayneProd': 'wayne' });
    expect(config.sourceTopicPattern!.test('eu-sql-1.UmbrellaProd.dbo.Orders')).toBe(true);
    expect(config.sourceTopicPattern!.test('umbrella.UmbrellaProd.dbo.Orders')).toBe(false);
    const event = JSON.stringify({ op: 'c', before: null, after: { Id: 1 }, source: { connector: 'sqlserver', name: 'eu-sql-1', db: 'UmbrellaProd', schema: 'dbo', table: 'Orders', commit_lsn: '1', change_lsn: '2', event_serial_no: 1 } });
    const outcome = debeziumTransform({ topic: 'eu-sql-1.UmbrellaProd.dbo.Orders', partition: 0, offset: '0', key: '{"Id":1}', value: event }, config.tenantRoutes);
    expect(outcome.kind === 'forward' && outcome.message.key).toBe('umbrella:dbo.Orders:{"Id":1}');
  });

  // the server spells a database as it was created, which need not be how the tenants file writes it; Debezium
  // writes the topic and source.db in the server's spelling (SqlServerConnection looks the real name up)
  test('the processor routes a group\'s events written in the server\'s spelling to the tenant, and an unknown database to the DLQ', () => {
    const [deployment] = ofKind(objects, 'Deployment');
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    env.KAFKA_SASL_PASSWORD = `test-${Math.random().toString(36).slice(2)}`;
    const config = parseProcessorConfig(env);
    const eventOf = (db: string) => ({
      topic: `eu-sql-1.${db}.dbo.Orders`, partition: 0, offset: '0', key: '{"Id":1}',
      value: JSON.stringify({ op: 'c', before: null, after: { Id: 1 }, source: { connector: 'sqlserver', name: 'eu-sql-1', db, schema: 'dbo', table: 'Orders', commit_lsn: '1', change_lsn: '2', event_serial_no: 1 } }),
    });
    const routed = debeziumTransform(eventOf('initechprod'), config.tenantRoutes);
    expect(routed.kind === 'forward' && routed.message.key).toBe('initech:dbo.Orders:{"Id":1}');
    const stray = debeziumTransform(eventOf('GlobexProd'), config.tenantRoutes);
    expect(stray).toMatchObject({ kind: 'dead-letter', reason: 'unrouted-database', error: expect.stringMatching(/^database "GlobexProd" of SQL Server group eu-sql-1 is no tenant of the group/) });
  });

  test('two tenants of one group whose database names differ only by case capture one database', () => {
    const file = groupedFile() as any;
    file.tenants.push({ id: 'initech2', group: 'eu-sql-1', database: { name: 'INITECHPROD' }, tables: ['dbo.Orders', 'dbo.Customers'] });
    expect(problemsOf(file)).toEqual([expect.stringMatching(/^tenants\[6\]\.database: captures the same database as tenants\[3\] \(initech\): "sql-eu-1\.example\.com:1433\/INITECHPROD"/)]);
  });

  test('rejects what a shared connector cannot do per tenant, each with the reason', () => {
    const file = groupedFile() as any;
    file.tenants[3].state = 'paused';
    file.tenants[4].database.host = 'other.example.com';
    file.tenants.push({ id: 'stray', group: 'eu-sql-2', database: { name: 'Stray' }, tables: ['dbo.Orders'] });
    expect(problemsOf(file)).toEqual([
      'tenants[3].state: tenant initech is in SQL Server group eu-sql-1: a group\'s databases share one connector, which runs, pauses or stops as a whole; '
        + 'set sqlServerGroups[0].state, or take the tenant out of the group',
      'tenants[4].database.host: tenant umbrella is in SQL Server group eu-sql-1: the group sets it (sqlServerGroups[0]); remove it here',
      'tenants[6].group: there is no SQL Server group "eu-sql-2"; use one of: eu-sql-1 (sqlServerGroups[].name)',
    ]);
  });

  test('rejects tenants of one group that capture different tables', () => {
    const file = groupedFile() as any;
    file.tenants[5].tables = ['dbo.Orders'];
    expect(problemsOf(file)).toEqual([
      'tenants[5].tables: tenant wayne captures ["dbo.Orders"] but initech, in the same group eu-sql-1, captures ["dbo.Orders","dbo.Customers"]; '
        + 'one connector captures the same schema.table in every database of its group, so give every tenant of the group the same tables',
    ]);
  });

  test('a group name may not be a tenant id', () => {
    const file = groupedFile();
    file.sqlServerGroups![0] = { ...file.sqlServerGroups![0], name: 'acme' };
    file.tenants = file.tenants.map((t) => ('group' in t && t.group ? { ...t, group: 'acme' } : t));
    expect(problemsOf(file)).toContainEqual(expect.stringMatching(/^sqlServerGroups\[0\]\.name: "acme" is also a tenant id/));
  });
});
