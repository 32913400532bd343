import { isLosslessNumber, parse } from 'lossless-json';
import { describe, expect, test } from 'vitest';
import { canonicalJson, debeziumTransform, SourceRecord, tenantOfTopic } from '../../src/processor/transform';
import { changeKey, changeValue, ChangeSpec, topicOf } from '../support/debezium-events';
import { DocumentedChange, documentedKey, documentedTopic, documentedValue, row } from '../support/documented-events';

const routes = new Map<string, string>();

function record(spec: ChangeSpec, overrides: Partial<SourceRecord> = {}): SourceRecord {
  return { topic: topicOf(spec), partition: 0, offset: '7', key: Buffer.from(changeKey(spec)), value: Buffer.from(changeValue(spec)), ...overrides };
}

const kinds: Array<[ChangeSpec['kind'], string, string]> = [['sqlserver', 'AcmeProd', 'dbo'], ['postgres', 'globex', 'public'], ['mysql', 'hooli', 'hooli'], ['mariadb', 'wonka', 'wonka']];

describe('debeziumTransform', () => {
  test.each(kinds.flatMap(([kind, database, schema]) => [false, true].map((withSchema) => [kind, database, schema, withSchema] as const)))(
    'turns a %s change (database %s, schema %s, schemas.enable=%s) into the contract-2 event', (kind, database, schema, withSchema) => {
      const spec: ChangeSpec = { kind, prefix: 'acme', database, table: 'orders', op: 'u', id: 7, seq: 3, withSchema };
      const outcome = debeziumTransform(record(spec), routes);
      if (outcome.kind !== 'forward') throw new Error(`expected forward, got ${JSON.stringify(outcome)}`);
      // small numbers: JSON.parse of the output is exact here (big ones are tested below)
      expect(JSON.parse(outcome.message.value)).toMatchObject({
        tenant: 'acme', op: 'update', database, schema, table: 'orders', key: { id: 7 },
        before: { id: 7, total: '3.50', note: 'row 7 change 3' }, after: { id: 7, total: '3.50', note: 'row 7 change 3' },
        source: { connector: kind === 'postgres' ? 'postgresql' : kind, committedAt: 1_764_000_000_003, snapshot: false },
      });
      expect(outcome.event).toMatchObject({ tenant: 'acme', op: 'update', database, schema, table: 'orders' });
      expect(outcome.event.eventId).toMatch(/^[0-9a-f]{32}$/);
      expect(outcome.event.source.position).not.toBe('');
      expect(outcome.message.key).toBe(`acme:${schema}.orders:{"id":7}`);
      expect(outcome.message.headers).toEqual({ 'cdc-tenant': 'acme', 'cdc-table': `${schema}.orders`, 'cdc-op': 'update' });
      expect(JSON.parse(outcome.message.value).eventId).toBe(outcome.event.eventId);
    });

  test.each([['c', 'create'], ['u', 'update'], ['d', 'delete'], ['r', 'read']] as const)('maps op %s to %s', (op, name) => {
    const outcome = debeziumTransform(record({ kind: 'postgres', prefix: 'acme', database: 'db', table: 't', op, id: 1, seq: 1 }), routes);
    expect(outcome.kind === 'forward' && outcome.event.op).toBe(name);
    expect(outcome.kind === 'forward' && outcome.event.source.snapshot).toBe(op === 'r');
  });

  test('gives the same eventId to the same change however often it is read, and another to every other change', () => {
    const spec: ChangeSpec = { kind: 'sqlserver', prefix: 'acme', database: 'A', table: 'Orders', op: 'c', id: 1, seq: 1 };
    const id = (s: ChangeSpec, offset = '1') => { const o = debeziumTransform(record(s, { offset }), routes); return o.kind === 'forward' ? o.event.eventId : ''; };
    expect(id(spec, '1')).toBe(id(spec, '99'));
    expect(id({ ...spec, withSchema: true })).toBe(id(spec));
    const others = [id({ ...spec, seq: 2 }), id({ ...spec, id: 2 }), id({ ...spec, op: 'u' }), id({ ...spec, prefix: 'other' }), id({ ...spec, table: 'Lines' })];
    expect(new Set([id(spec), ...others]).size).toBe(6);
  });

  test('routes tenants by prefix/database, then prefix, else source.name', () => {
    const spec: ChangeSpec = { kind: 'sqlserver', prefix: 'shared-eu', database: 'Acme', table: 'Orders', op: 'c', id: 1, seq: 1 };
    const tenant = (r: Map<string, string>, s = spec) => { const o = debeziumTransform(record(s), r); return o.kind === 'forward' ? o.event.tenant : undefined; };
    expect(tenant(new Map())).toBe('shared-eu');
    expect(tenant(new Map([['shared-eu', 'eu']]))).toBe('eu');
    expect(tenant(new Map([['shared-eu', 'eu'], ['shared-eu/Acme', 'acme']]))).toBe('acme');
  });

  // SQL Server compares database names case-insensitively, and Debezium writes source.db and the topic with the
  // server's own spelling (it looks the name up): the tenants file says InitechProd, the server says initechprod
  test('matches a SQL Server group\'s database in the server\'s spelling, not the file\'s', () => {
    const routes = new Map([['eu-sql-1/InitechProd', 'initech'], ['eu-sql-1/UmbrellaProd', 'umbrella']]);
    const spec: ChangeSpec = { kind: 'sqlserver', prefix: 'eu-sql-1', database: 'initechprod', table: 'Orders', op: 'c', id: 1, seq: 1 };
    const outcome = debeziumTransform(record(spec), routes);
    expect(outcome.kind === 'forward' && outcome.event.tenant).toBe('initech');
    expect(outcome.kind === 'forward' && outcome.message.headers['cdc-tenant']).toBe('initech');
    // the event keeps the server's spelling of its database
    expect(outcome.kind === 'forward' && outcome.event.database).toBe('initechprod');
    expect(tenantOfTopic(topicOf(spec), routes)).toBe('initech');
  });

  test('PostgreSQL database names are case-sensitive: another case is another database', () => {
    const spec: ChangeSpec = { kind: 'postgres', prefix: 'shared', database: 'acme', table: 'orders', op: 'c', id: 1, seq: 1 };
    const outcome = debeziumTransform(record(spec), new Map([['shared/Acme', 'acme'], ['shared/acme', 'other']]));
    expect(outcome.kind === 'forward' && outcome.event.tenant).toBe('other');
  });

  test('an event of a group whose database is no tenant of it is a dead letter, never labelled with the group\'s name', () => {
    const routes = new Map([['eu-sql-1/InitechProd', 'initech']]);
    const spec: ChangeSpec = { kind: 'sqlserver', prefix: 'eu-sql-1', database: 'Globex', table: 'Orders', op: 'c', id: 1, seq: 1 };
    const outcome = debeziumTransform(record(spec), routes);
    expect(outcome).toEqual({
      kind: 'dead-letter',
      reason: 'unrouted-database',
      error: 'database "Globex" of SQL Server group eu-sql-1 is no tenant of the group (its tenants\' databases: InitechProd); '
        + 'give the database a tenant with group: eu-sql-1 in the tenants file, or remove it from the connector\'s database.names',
    });
    expect(tenantOfTopic(topicOf(spec), routes)).toBe('');
  });

  test('keeps tombstones, heartbeats, schema changes and transaction events out', () => {
    const base = record({ kind: 'mysql', prefix: 'acme', database: 'db', table: 't', op: 'c', id: 1, seq: 1 });
    expect(debeziumTransform({ ...base, value: null }, routes)).toEqual({ kind: 'skip', reason: 'tombstone' });
    expect(debeziumTransform({ ...base, topic: '__debezium-heartbeat.acme', value: '{"ts_ms":1}' }, routes)).toEqual({ kind: 'skip', reason: 'heartbeat' });
    expect(debeziumTransform({ ...base, topic: 'acme', value: JSON.stringify({ source: {}, databaseName: 'db', ddl: 'CREATE TABLE t (id INT)', tableChanges: [] }) }, routes))
      .toEqual({ kind: 'skip', reason: 'schema-change' });
    expect(debeziumTransform({ ...base, topic: 'acme.transaction', value: JSON.stringify({ status: 'BEGIN', id: '571:53195829', event_count: null }) }, routes))
      .toEqual({ kind: 'skip', reason: 'transaction' });
    expect(debeziumTransform({ ...base, value: JSON.stringify({ op: 't', source: { name: 'acme', table: 't', connector: 'mysql' } }) }, routes))
      .toEqual({ kind: 'skip', reason: 'not-a-row-change' });
  });

  // the incremental snapshot's watermarks (insert_delete): a row inserted when a chunk's window opens and
  // deleted when it closes, in the signal table, which Debezium captures beside the listed tables. The
  // PostgreSQL ones as snapshots.test.ts read them from the raw topic (Debezium 3.6.1), with the prefix acme;
  // SQL Server's and MySQL's in their documented envelopes
  const pgSource = (sequence: string, lsn: number, txId: number) => `"source":{"version":"3.6.1.Final","connector":"postgresql","name":"acme","ts_ms":1796225637901,`
    + `"snapshot":"false","db":"acme","sequence":"${sequence}","ts_us":1796225637901983,"ts_ns":1796225637901983000,"schema":"public","table":"debezium_signal",`
    + `"txId":${txId},"lsn":${lsn},"xmin":null,"origin":null,"origin_lsn":null}`;
  const pgWatermark = '95d591d1-7446-4035-bce9-5401ad8d2c89-open';
  test.each([
    ['PostgreSQL, a window opened', 'acme.public.debezium_signal', `{"id":"${pgWatermark}"}`,
      `{"before":null,"after":{"id":"${pgWatermark}","type":"snapshot-window-open","data":"{\\"openWindowTimestamp\\": \\"2026-12-02T15:33:57.895776894Z\\"}"},`
      + `${pgSource('[null,\\"41910992\\"]', 41910992, 734)},"transaction":null,"op":"c","ts_ms":1796225638051,"ts_us":1796225638051177,"ts_ns":1796225638051177691}`],
    ['PostgreSQL, a window closed', 'acme.public.debezium_signal', `{"id":"${pgWatermark}"}`,
      `{"before":{"id":"${pgWatermark}","type":"","data":null},"after":null,`
      + `${pgSource('[\\"41911416\\",\\"41911416\\"]', 41911416, 735)},"transaction":null,"op":"d","ts_ms":1796225638081,"ts_us":1796225638081471,"ts_ns":1796225638081471977}`],
    ['SQL Server', 'acme.AcmeProd.dbo.debezium_signal', '{"id":"9e0d-open"}',
      '{"before":null,"after":{"id":"9e0d-open","type":"snapshot-window-open","data":"{}"},"source":{"version":"3.6.1.Final","connector":"sqlserver","name":"acme","ts_ms":1764000000123,"snapshot":"false",'
      + '"db":"AcmeProd","schema":"dbo","table":"debezium_signal","change_lsn":"00000027:00000758:0003","commit_lsn":"00000027:00000758:0005","event_serial_no":1},"op":"c","ts_ms":1764000000200}'],
    ['MySQL', 'hooli.hooli.debezium_signal', '{"id":"77aa-open"}',
      '{"before":null,"after":{"id":"77aa-open","type":"snapshot-window-open","data":"{}"},"source":{"version":"3.6.1.Final","connector":"mysql","name":"hooli","ts_ms":1764000000000,"snapshot":"false",'
      + '"db":"hooli","table":"debezium_signal","server_id":1,"gtid":null,"file":"mysql-bin.000003","pos":1543,"row":0},"op":"c","ts_ms":1764000000200}'],
  ])('skips a change of the signal table (%s): a watermark, not tenant data', (_, topic, key, value) => {
    expect(debeziumTransform({ topic, partition: 0, offset: '3', key, value }, routes)).toEqual({ kind: 'skip', reason: 'signal-table' });
    // a tenant's table of another name is forwarded
    const orders = value.replaceAll('"debezium_signal"', '"debezium_signal_archive"');
    expect(debeziumTransform({ topic: topic.replace('debezium_signal', 'debezium_signal_archive'), partition: 0, offset: '4', key, value: orders }, routes).kind).toBe('forward');
  });

  test.each([
    ['not JSON', 'this is not json', /^value is not JSON/],
    ['JSON without an envelope', '{"id": 7, "total": 3}', /^value has no Debezium envelope/],
    ['a JSON array', '[1,2]', /^value is not a Debezium change event: a JSON array/],
    ['an unknown op', JSON.stringify({ op: 'x', source: { name: 'a', table: 't', connector: 'mysql' }, after: {} }), /^unknown op "x"/],
    ['no source block', JSON.stringify({ op: 'c', after: { id: 1 } }), /no "source" block/],
    ['a create without after', JSON.stringify({ op: 'c', before: null, after: null, source: { name: 'a', table: 't', connector: 'mysql' } }), /a create event without the "after" row/],
  ])('sends %s to the dead-letter topic', (_, value, error) => {
    const outcome = debeziumTransform({ topic: 'acme.db.t', partition: 0, offset: '1', key: null, value }, routes);
    expect(outcome.kind).toBe('dead-letter');
    expect(outcome.kind === 'dead-letter' && outcome.error).toMatch(error);
  });

  test('writes the row key as canonical JSON, whatever its field order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"e":null,"f":1}]},"b":1}');
  });
});

describe('debeziumTransform keeps what the database committed (events written from Debezium\'s docs)', () => {
  const documented = (change: DocumentedChange, offset = '1'): SourceRecord => ({
    topic: documentedTopic(change.kind, change.prefix), partition: 0, offset, key: documentedKey(change), value: documentedValue(change),
  });
  const forward = (record: SourceRecord) => {
    const outcome = debeziumTransform(record, routes);
    if (outcome.kind !== 'forward') throw new Error(`expected forward, got ${JSON.stringify(outcome)}`);
    return outcome;
  };
  const digits = (value: unknown) => (isLosslessNumber(value) ? value.value : `not a number: ${JSON.stringify(value)}`);

  test.each([false, true])('writes int64 extremes, timestamps and doubles with their digits (schemas.enable=%s)', (withSchema) => {
    const after = row({ id: '1541815603606036481', created: '9223372036854775807', updated: '-9223372036854775808', amount: '0.000000001', ratio: '1.0E-5' });
    const outcome = forward(documented({ kind: 'postgres', prefix: 'acme', op: 'c', key: '{"id":1541815603606036481}', after, position: '"lsn":18446744073709551615', withSchema }));
    expect(outcome.message.key).toBe('acme:public.orders:{"id":1541815603606036481}');
    expect(outcome.message.value).toContain(`"after":${after}`);
    const event = parse(outcome.message.value) as any;
    expect([event.key.id, event.after.id, event.after.created, event.after.updated, event.after.ratio].map(digits))
      .toEqual(['1541815603606036481', '1541815603606036481', '9223372036854775807', '-9223372036854775808', '1.0E-5']);
    expect(event.source.position).toBe('18446744073709551615');
    expect(event.after.amount).toBe('0.000000001');
  });

  test('gives neighbouring int64 keys their own output keys', () => {
    const keys = ['1541815603606036480', '1541815603606036481'].map((id) => forward(documented({ kind: 'sqlserver', prefix: 'acme', op: 'c', key: `{"id":${id}}`, after: row({ id }), position: '"change_lsn":null,"commit_lsn":"0000002a:00000ba8:0001","event_serial_no":null' })).message.key);
    expect(keys).toEqual(['acme:dbo.orders:{"id":1541815603606036480}', 'acme:dbo.orders:{"id":1541815603606036481}']);
  });

  test('tells keyless snapshot rows at one position apart, and keeps a change\'s id across offsets and envelopes', () => {
    const snapshot = (note: string, withSchema = false): DocumentedChange => ({ kind: 'mysql', prefix: 'acme', op: 'r', key: null, after: row({ id: '1', note }), position: '"gtid":null,"file":"mysql-bin.000003","pos":1543,"row":0', withSchema });
    const id = (change: DocumentedChange, offset = '1') => forward(documented(change, offset)).event.eventId;
    expect(new Set([id(snapshot('a')), id(snapshot('b')), id(snapshot('c'))]).size).toBe(3);
    expect(id(snapshot('a'), '9')).toBe(id(snapshot('a', true), '1'));
    // nothing tells identical keyless rows apart: they share one id (docs/event-processor.md: eventId)
    expect(id(snapshot('a'), '2')).toBe(id(snapshot('a'), '3'));
  });

  test('tells two identical updates of one row in one GTID transaction apart by their binlog position', () => {
    const update = (pos: number) => forward(documented({ kind: 'mysql', prefix: 'acme', op: 'u', key: '{"id":5}', before: row({ id: '5' }), after: row({ id: '5' }),
      position: `"gtid":"3e11fa47-71ca-11e1-9e33-c80aa9429562:23","file":"mysql-bin.000003","pos":${pos},"row":0` })).event;
    expect(update(2210).eventId).not.toBe(update(2510).eventId);
    expect(update(2210).source.position).toBe('3e11fa47-71ca-11e1-9e33-c80aa9429562:23/mysql-bin.000003:2210:0');
  });

  test('reads MariaDB\'s change events as MySQL\'s: database as schema, its GTID naming the transaction, the binlog position the change', () => {
    const update = (pos: number, withSchema = false) => forward(documented({ kind: 'mariadb', prefix: 'wonka', op: 'u', key: '{"id":5}', before: row({ id: '5', note: 'a' }),
      after: row({ id: '5', note: 'b' }), position: `"gtid":"0-1-42","file":"mariadb-bin.000003","pos":${pos},"row":0`, withSchema }));
    const first = update(2210);
    expect(first.event).toMatchObject({ tenant: 'wonka', op: 'update', database: 'stock', schema: 'stock', table: 'orders',
      source: { connector: 'mariadb', position: '0-1-42/mariadb-bin.000003:2210:0', committedAt: 1764000000123, snapshot: false } });
    expect(first.message.key).toBe('wonka:stock.orders:{"id":5}');
    expect(first.message.headers).toEqual({ 'cdc-tenant': 'wonka', 'cdc-table': 'stock.orders', 'cdc-op': 'update' });
    expect(update(2210, true).event.eventId).toBe(first.event.eventId);
    expect(update(2510).event.eventId).not.toBe(first.event.eventId);
    // a snapshot read has no GTID: the binlog position where the snapshot started
    const read = forward(documented({ kind: 'mariadb', prefix: 'wonka', op: 'r', key: '{"id":5}', after: row({ id: '5' }), position: '"gtid":null,"file":"mariadb-bin.000003","pos":1543,"row":0' }));
    expect(read.event.source).toMatchObject({ connector: 'mariadb', position: 'mariadb-bin.000003:1543:0', snapshot: true });
  });

  test('sends an empty value or key to the DLQ, and skips only a null value', () => {
    const change = documented({ kind: 'sqlserver', prefix: 'acme', op: 'c', key: '{"id":1}', after: row({ id: '1' }), position: '"change_lsn":"0000002a:00000ba8:0002","commit_lsn":"0000002a:00000ba8:0003","event_serial_no":1' });
    expect(debeziumTransform({ ...change, value: Buffer.alloc(0) }, routes)).toEqual({ kind: 'dead-letter', error: expect.stringMatching(/^value is empty/) });
    expect(debeziumTransform({ ...change, value: '' }, routes)).toEqual({ kind: 'dead-letter', error: expect.stringMatching(/^value is empty/) });
    expect(debeziumTransform({ ...change, key: Buffer.alloc(0) }, routes)).toEqual({ kind: 'dead-letter', error: expect.stringMatching(/^key is empty/) });
    expect(debeziumTransform({ ...change, value: null }, routes)).toEqual({ kind: 'skip', reason: 'tombstone' });
  });
});

describe('tenantOfTopic', () => {
  const groupRoutes = new Map([['grp/GroupA', 'acme'], ['grp/GroupB', 'globex'], ['legacy', 'initech']]);

  test('a tenant\'s topic belongs to its prefix', () => {
    expect(tenantOfTopic('umbrella.public.orders', groupRoutes)).toBe('umbrella');
  });

  test('a SQL Server group\'s topic belongs to the route of its database', () => {
    expect(tenantOfTopic('grp.GroupA.dbo.Orders', groupRoutes)).toBe('acme');
    expect(tenantOfTopic('grp.GroupB.dbo.Orders', groupRoutes)).toBe('globex');
  });

  test('a group\'s topic of a database in another case belongs to its tenant; one of no tenant to none', () => {
    expect(tenantOfTopic('grp.groupa.dbo.Orders', groupRoutes)).toBe('acme');
    expect(tenantOfTopic('grp.GroupC.dbo.Orders', groupRoutes)).toBe('');
  });

  test('a route of the prefix alone applies to every topic of that prefix', () => {
    expect(tenantOfTopic('legacy.dbo.Orders', groupRoutes)).toBe('initech');
    expect(tenantOfTopic('legacy', groupRoutes)).toBe('initech');
  });
});
