import { describe, expect, test } from 'vitest';
import { canonicalJson, debeziumTransform, SourceRecord } from '../../src/processor/transform';
import { changeKey, changeValue, ChangeSpec, topicOf } from '../support/debezium-events';

const routes = new Map<string, string>();

function record(spec: ChangeSpec, overrides: Partial<SourceRecord> = {}): SourceRecord {
  return { topic: topicOf(spec), partition: 0, offset: '7', key: Buffer.from(changeKey(spec)), value: Buffer.from(changeValue(spec)), ...overrides };
}

const kinds: Array<[ChangeSpec['kind'], string, string]> = [['sqlserver', 'AcmeProd', 'dbo'], ['postgres', 'globex', 'public'], ['mysql', 'hooli', 'hooli']];

describe('debeziumTransform', () => {
  test.each(kinds.flatMap(([kind, database, schema]) => [false, true].map((withSchema) => [kind, database, schema, withSchema] as const)))(
    'turns a %s change (database %s, schema %s, schemas.enable=%s) into the contract-2 event', (kind, database, schema, withSchema) => {
      const spec: ChangeSpec = { kind, prefix: 'acme', database, table: 'orders', op: 'u', id: 7, seq: 3, withSchema };
      const outcome = debeziumTransform(record(spec), routes);
      if (outcome.kind !== 'forward') throw new Error(`expected forward, got ${JSON.stringify(outcome)}`);
      expect(outcome.event).toMatchObject({
        tenant: 'acme', op: 'update', database, schema, table: 'orders', key: { id: 7 },
        before: { id: 7, total: '3.50', note: 'row 7 change 3' }, after: { id: 7, total: '3.50', note: 'row 7 change 3' },
        source: { connector: kind === 'postgres' ? 'postgresql' : kind, committedAt: 1_764_000_000_003, snapshot: false },
      });
      expect(outcome.event.eventId).toMatch(/^[0-9a-f]{32}$/);
      expect(outcome.event.source.position).not.toBe('');
      expect(outcome.message.key).toBe(`acme:${schema}.orders:{"id":7}`);
      expect(outcome.message.headers).toEqual({ 'cdc-tenant': 'acme', 'cdc-table': `${schema}.orders`, 'cdc-op': 'update' });
      expect(JSON.parse(outcome.message.value)).toEqual(outcome.event);
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
    expect(tenant(new Map([['shared-eu/Acme', 'acme']]), { ...spec, database: 'Globex' })).toBe('shared-eu');
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
