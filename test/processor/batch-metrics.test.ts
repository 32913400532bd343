import { describe, expect, test } from 'vitest';
import { countBatch, countTransaction } from '../../src/processor/batch-metrics';
import { ProcessorMetrics } from '../../src/processor/metrics';
import { ColumnMasks } from '../../src/processor/column-masks';
import { debeziumTransform } from '../../src/processor/transform';

const routes = new Map([['eu-sql-1/InitechProd', 'initech']]);

/** A SQL Server group's change event from `db`, as Debezium writes it: topic and source.db in the server's spelling. */
function groupRecord(db: string, offset: string) {
  return {
    topic: `eu-sql-1.${db}.dbo.Orders`, partition: 0, offset, key: '{"Id":1}',
    value: JSON.stringify({ op: 'c', before: null, after: { Id: 1 }, source: { connector: 'sqlserver', name: 'eu-sql-1', db, schema: 'dbo', table: 'Orders', commit_lsn: offset, change_lsn: offset, event_serial_no: 1 } }),
  };
}

async function sample(metrics: ProcessorMetrics, name: string) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  return metric.values.map((v) => ({ labels: v.labels, value: v.value }));
}

describe('countBatch', () => {
  test('counts a group\'s events of a database that is no tenant\'s as unrouted, with no tenant, and routed ones by tenant', async () => {
    const metrics = new ProcessorMetrics();
    const stray = ['1', '2'].map((o) => debeziumTransform(groupRecord('GlobexProd', o), routes));
    countBatch(metrics, stray, { topic: 'eu-sql-1.GlobexProd.dbo.Orders', partition: 0, lag: 4, seconds: 0.01, oversizedDeadLetters: 0 }, routes);
    const routed = debeziumTransform(groupRecord('initechprod', '3'), routes);
    countBatch(metrics, [routed], { topic: 'eu-sql-1.initechprod.dbo.Orders', partition: 0, lag: 0, seconds: 0.01, oversizedDeadLetters: 0 }, routes);

    expect(await sample(metrics, 'tenant_cdc_unrouted_events_total')).toEqual([{ labels: { group: 'eu-sql-1', database: 'GlobexProd' }, value: 2 }]);
    // the routed tenant's dead-letter counter exists at 0 from its first batch, so a first dead letter is an increase
    expect(await sample(metrics, 'tenant_cdc_events_dlq_total')).toEqual([{ labels: { tenant: '' }, value: 2 }, { labels: { tenant: 'initech' }, value: 0 }]);
    expect(await sample(metrics, 'tenant_cdc_events_out_total')).toEqual([{ labels: { tenant: 'initech' }, value: 1 }]);
    expect(await sample(metrics, 'tenant_cdc_table_events_out_total')).toEqual([{ labels: { tenant: 'initech', table: 'dbo.Orders' }, value: 1 }]);
    expect(await sample(metrics, 'tenant_cdc_consumer_lag')).toContainEqual({ labels: { topic: 'eu-sql-1.initechprod.dbo.Orders', partition: '0', tenant: 'initech' }, value: 0 });
  });

  test('counts a record that is not even JSON, on the topic of a group\'s database that is no tenant\'s, as unrouted too', async () => {
    const metrics = new ProcessorMetrics();
    const garbage = debeziumTransform({ ...groupRecord('GlobexProd', '1'), value: '{not json' }, routes);
    expect(garbage.kind).toBe('dead-letter');
    countBatch(metrics, [garbage], { topic: 'eu-sql-1.GlobexProd.dbo.Orders', partition: 0, lag: 0, seconds: 0.01, oversizedDeadLetters: 0 }, routes);
    expect(await sample(metrics, 'tenant_cdc_unrouted_events_total')).toEqual([{ labels: { group: 'eu-sql-1', database: 'GlobexProd' }, value: 1 }]);
  });

  test('counts the values the processor masked because Debezium did not, by tenant, table, column and rule', async () => {
    const metrics = new ProcessorMetrics();
    const masks = new ColumnMasks({ crm: { 'public.customers': { hash: ['email'], asterisks: { phone: 4 } } } }, 'pepper-0123456789abcdef');
    const source = { connector: 'postgresql', name: 'crm', db: 'crm', schema: 'public', table: 'customers', lsn: 1 };
    const record = (after: object) => ({ topic: 'crm.public.customers', partition: 0, offset: '1', key: '{"id":1}', value: JSON.stringify({ op: 'c', before: null, after, source }) });
    const outcomes = [
      debeziumTransform(record({ id: 1, email: 'ann@example.com', phone: '****' }), new Map(), masks),
      debeziumTransform(record({ id: 2, email: 'bob@example.com', phone: 5550102 }), new Map(), masks),
    ];
    countBatch(metrics, outcomes, { topic: 'crm.public.customers', partition: 0, lag: 0, seconds: 0.01, oversizedDeadLetters: 0 }, new Map());
    expect(await sample(metrics, 'tenant_cdc_masks_applied_total')).toEqual([
      { labels: { tenant: 'crm', table: 'public.customers', column: 'email', rule: 'hash' }, value: 2 },
      { labels: { tenant: 'crm', table: 'public.customers', column: 'phone', rule: 'asterisks' }, value: 1 },
    ]);
  });

  test('counts the events written by tenant and table, as the event names the table', async () => {
    const metrics = new ProcessorMetrics();
    const event = (table: string, offset: string) => debeziumTransform({
      topic: `crm.public.${table}`, partition: 0, offset, key: `{"id":${offset}}`,
      value: JSON.stringify({ op: 'c', before: null, after: { id: Number(offset) }, source: { connector: 'postgresql', name: 'crm', db: 'crm', schema: 'public', table, lsn: Number(offset) } }),
    }, new Map());
    const info = (topic: string) => ({ topic, partition: 0, lag: 0, seconds: 0.01, oversizedDeadLetters: 0 });
    countBatch(metrics, [event('orders', '1'), event('orders', '2')], info('crm.public.orders'), new Map());
    countBatch(metrics, [event('customers', '3'), { kind: 'skip', reason: 'tombstone' }], info('crm.public.customers'), new Map());
    expect(await sample(metrics, 'tenant_cdc_table_events_out_total')).toEqual([
      { labels: { tenant: 'crm', table: 'public.orders' }, value: 2 },
      { labels: { tenant: 'crm', table: 'public.customers' }, value: 1 },
    ]);
  });

  test('exactly-once: a slot\'s lag is the sum of its partitions\' lag at each one\'s last batch; at-least-once sets none', async () => {
    const metrics = new ProcessorMetrics();
    const batch = (topic: string, partition: number, lag: number, slot?: number) => countBatch(metrics, [], { topic, partition, lag, seconds: 0.01, oversizedDeadLetters: 0, slot }, new Map());
    batch('a.public.t', 0, 100, 3);
    batch('b.public.t', 1, 20, 3);
    batch('c.public.t', 0, 7, 5);
    expect(await sample(metrics, 'tenant_cdc_slot_lag')).toEqual([{ labels: { slot: '3' }, value: 120 }, { labels: { slot: '5' }, value: 7 }]);
    // a partition's later batch replaces its earlier lag
    batch('a.public.t', 0, 0, 3);
    expect(await sample(metrics, 'tenant_cdc_slot_lag')).toContainEqual({ labels: { slot: '3' }, value: 20 });
    // after a rebalance the slots may be another replica's: nothing is reported until a batch says
    metrics.slotLag.reset();
    expect(await sample(metrics, 'tenant_cdc_slot_lag')).toEqual([]);
    batch('b.public.t', 1, 4, 3);
    expect(await sample(metrics, 'tenant_cdc_slot_lag')).toEqual([{ labels: { slot: '3' }, value: 4 }]);

    const atLeastOnce = new ProcessorMetrics();
    countBatch(atLeastOnce, [], { topic: 'a.public.t', partition: 0, lag: 9, seconds: 0.01, oversizedDeadLetters: 0 }, new Map());
    expect(await sample(atLeastOnce, 'tenant_cdc_slot_lag')).toEqual([]);
    expect(await sample(atLeastOnce, 'tenant_cdc_consumer_lag')).toEqual([{ labels: { topic: 'a.public.t', partition: '0', tenant: 'a' }, value: 9 }]);
  });

  test('counts slot producers opened, transactions committed and fences by slot; a slot\'s commits and fences start at 0 when it opens', async () => {
    const metrics = new ProcessorMetrics();
    // nothing before a slot opens: a replica that owns no slot reports none
    expect(await sample(metrics, 'tenant_cdc_eos_fenced_total')).toEqual([]);
    countTransaction(metrics, { kind: 'opened', slot: 7 });
    expect(await sample(metrics, 'tenant_cdc_eos_slot_opens_total')).toEqual([{ labels: { slot: '7' }, value: 1 }]);
    expect(await sample(metrics, 'tenant_cdc_eos_commits_total')).toEqual([{ labels: { slot: '7' }, value: 0 }]);
    expect(await sample(metrics, 'tenant_cdc_eos_fenced_total')).toEqual([{ labels: { slot: '7' }, value: 0 }]);
    countTransaction(metrics, { kind: 'committed', slot: 7 });
    countTransaction(metrics, { kind: 'committed', slot: 7 });
    countTransaction(metrics, { kind: 'fenced', slot: 7 });
    // the fenced slot opens again: its counts go on
    countTransaction(metrics, { kind: 'opened', slot: 7 });
    countTransaction(metrics, { kind: 'committed', slot: 7 });
    countTransaction(metrics, { kind: 'opened', slot: 12 });
    expect(await sample(metrics, 'tenant_cdc_eos_slot_opens_total')).toEqual([{ labels: { slot: '7' }, value: 2 }, { labels: { slot: '12' }, value: 1 }]);
    expect(await sample(metrics, 'tenant_cdc_eos_commits_total')).toEqual([{ labels: { slot: '7' }, value: 3 }, { labels: { slot: '12' }, value: 0 }]);
    expect(await sample(metrics, 'tenant_cdc_eos_fenced_total')).toEqual([{ labels: { slot: '7' }, value: 1 }, { labels: { slot: '12' }, value: 0 }]);
  });
});
