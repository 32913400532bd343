import { isLosslessNumber, parse, stringify } from 'lossless-json';
import { afterEach, describe, expect, test } from 'vitest';
import { DocumentedChange, DocumentedKind, documentedKey, documentedTopic, documentedValue, row } from '../support/documented-events';
import { committed, consumeAll, endOffsets, isolatedPipeline, processorFleet, produce, unique, waitFor } from './support/kafka';
import { PROCESSOR_ENV_DEFAULTS } from '../../src/processor/env';
import { slotOf } from '../../src/processor/slots';

/**
 * Contract 2's integrity rules on a real broker, with change events written from Debezium's documented
 * shapes (test/support/documented-events.ts): exact numbers, eventIds, empty values, poison bursts.
 */
const processors = processorFleet();
afterEach(processors.stopAll);

const KINDS: DocumentedKind[] = ['sqlserver', 'postgres', 'mysql', 'mariadb'];
const SCHEMA: Record<DocumentedKind, string> = { sqlserver: 'dbo', postgres: 'public', mysql: 'inventory', mariadb: 'stock' };

/** A distinct streaming position per kind and sequence number, numbers beyond 2^53 where the kind writes numbers. */
function position(kind: DocumentedKind, seq: number): string {
  if (kind === 'sqlserver') return `"change_lsn":"00000027:00000758:${(seq + 2).toString(16).padStart(4, '0')}","commit_lsn":"00000027:00000758:0100","event_serial_no":1`;
  if (kind === 'postgres') return `"txId":777,"lsn":${9007199254740993n + BigInt(seq) * 64n},"xmin":null`;
  // MariaDB writes a GTID (`<domain>-<server id>-<sequence>`) for every streamed transaction
  if (kind === 'mariadb') return `"gtid":"0-1-${42 + seq}","file":"mariadb-bin.000003","pos":${154 + seq * 300},"row":0`;
  return `"gtid":null,"file":"mysql-bin.000003","pos":${154 + seq * 300},"row":0`;
}

function message(change: DocumentedChange) {
  return { key: documentedKey(change), value: documentedValue(change) };
}

/** Reads a JSON text keeping every number's text, to compare digits. */
function exact(text: string): any {
  return parse(text);
}

function digits(value: unknown): string {
  if (!isLosslessNumber(value)) throw new Error(`expected a number, got ${JSON.stringify(value)}`);
  return value.value;
}

describe('the final topic holds exactly what the databases committed', () => {
  test.each([false, true])('int64 keys and values, Nano/MicroTimestamps and decimals keep their digits (schemas.enable=%s)', async (withSchema) => {
    const prefix = unique('exact');
    const topics = KINDS.map((kind) => documentedTopic(kind, prefix));
    const { sink, env } = await isolatedPipeline(topics.map((topic) => ({ topic })));
    const ids = ['1541815603606036480', '1541815603606036481'];
    const rows = [
      row({ id: ids[0], created: '1764000000123456789', updated: '1764000000123456', amount: '12345678901234567890.123456789', ratio: '1.0E-5' }),
      row({ id: ids[1], created: '9223372036854775807', updated: '-9223372036854775808', amount: '0.000000001', ratio: '100.0' }),
    ];
    for (const kind of KINDS) {
      await produce(documentedTopic(kind, prefix), ids.map((id, i) => message({
        kind, prefix, op: 'c', key: `{"id":${id}}`, after: rows[i], position: position(kind, i), withSchema,
      })));
    }
    processors.start(env);
    const output = await consumeAll(sink, { count: KINDS.length * 2 });
    expect(output).toHaveLength(KINDS.length * 2);

    for (const kind of KINDS) {
      for (const [i, id] of ids.entries()) {
        const key = `${prefix}:${SCHEMA[kind]}.orders:{"id":${id}}`;
        const records = output.filter((o) => o.key === key);
        expect(records, key).toHaveLength(1);
        const event = exact(records[0].value!);
        expect(digits(event.key.id)).toBe(id);
        const expected = exact(rows[i]);
        for (const column of ['id', 'created', 'updated', 'ratio']) expect(digits(event.after[column]), `${kind} ${column}`).toBe(digits(expected[column]));
        expect(event.after.amount).toBe(expected.amount);
        // the raw row text reappears unchanged inside the output
        expect(records[0].value).toContain(rows[i]);
        if (kind === 'postgres') expect(event.source.position).toBe(String(9007199254740993n + BigInt(i) * 64n));
      }
    }
  });

  test('distinct changes get distinct eventIds; the same change delivered again keeps its id', async () => {
    const prefix = unique('ids');
    const changes: Array<DocumentedChange & { label: string }> = [];
    const add = (label: string, change: DocumentedChange) => changes.push({ ...change, label });
    const note = (n: string) => row({ id: '5', note: n });
    // snapshot of tables without a primary key: null keys, one position for every row
    for (const n of ['a', 'b', 'c']) add(`sqlserver keyless snapshot ${n}`, { kind: 'sqlserver', prefix, op: 'r', key: null, after: note(n), position: '"change_lsn":null,"commit_lsn":"0000002a:00000ba8:0001","event_serial_no":null' });
    for (const n of ['a', 'b']) add(`postgres keyless snapshot ${n}`, { kind: 'postgres', prefix, op: 'r', key: null, after: note(n), position: '"txId":790,"lsn":33819704,"xmin":null' });
    for (const n of ['a', 'b', 'c']) add(`mysql keyless snapshot ${n}`, { kind: 'mysql', prefix, op: 'r', key: null, after: note(n), position: '"gtid":null,"file":"mysql-bin.000003","pos":1543,"row":0' });
    // two identical UPDATEs of one row in one transaction: same GTID, the binlog position tells them apart
    for (const pos of [2210, 2510]) {
      add(`mysql gtid update at ${pos}`, { kind: 'mysql', prefix, op: 'u', key: '{"id":5}', before: note('x'), after: note('x'), position: `"gtid":"3e11fa47-71ca-11e1-9e33-c80aa9429562:23","file":"mysql-bin.000003","pos":${pos},"row":0` });
    }
    for (const n of ['a', 'b']) add(`mariadb keyless snapshot ${n}`, { kind: 'mariadb', prefix, op: 'r', key: null, after: note(n), position: '"gtid":null,"file":"mariadb-bin.000003","pos":1543,"row":0' });
    // MariaDB: two identical UPDATEs in one transaction (one GTID), and two rows of one multi-row UPDATE (one binlog event, rows 0 and 1)
    for (const pos of [2210, 2510]) {
      add(`mariadb gtid update at ${pos}`, { kind: 'mariadb', prefix, op: 'u', key: '{"id":5}', before: note('x'), after: note('x'), position: `"gtid":"0-1-42","file":"mariadb-bin.000003","pos":${pos},"row":0` });
    }
    for (const [id, rowInEvent] of [['7', 0], ['8', 1]] as const) {
      add(`mariadb multi-row update row ${rowInEvent}`, { kind: 'mariadb', prefix, op: 'u', key: `{"id":${id}}`, before: row({ id, note: 'x' }), after: row({ id, note: 'x' }),
        position: `"gtid":"0-1-43","file":"mariadb-bin.000003","pos":2810,"row":${rowInEvent}` });
    }
    // two UPDATEs of one row in one PostgreSQL transaction: same txId, own LSNs
    for (const lsn of ['33820000', '33820184']) add(`postgres update at ${lsn}`, { kind: 'postgres', prefix, op: 'u', key: '{"id":5}', before: note('x'), after: note('x'), position: `"txId":791,"lsn":${lsn},"xmin":null` });
    // SQL Server: two updates of one row in one transaction (own change LSNs), and a primary key update
    // (a delete and a create sharing commit and change LSN, told apart by event_serial_no)
    for (const change of ['0002', '0004']) {
      add(`sqlserver update at ${change}`, { kind: 'sqlserver', prefix, op: 'u', key: '{"id":5}', before: note('x'), after: note('x'), position: `"change_lsn":"0000002b:00000c10:${change}","commit_lsn":"0000002b:00000c10:0009","event_serial_no":2` });
    }
    add('sqlserver pk update delete', { kind: 'sqlserver', prefix, op: 'd', key: '{"id":5}', before: note('x'), after: null, position: '"change_lsn":"0000002c:00000010:0002","commit_lsn":"0000002c:00000010:0005","event_serial_no":1' });
    add('sqlserver pk update create', { kind: 'sqlserver', prefix, op: 'c', key: '{"id":6}', after: row({ id: '6', note: 'x' }), position: '"change_lsn":"0000002c:00000010:0002","commit_lsn":"0000002c:00000010:0005","event_serial_no":2' });

    const topics = KINDS.map((kind) => documentedTopic(kind, prefix));
    const { sink, env } = await isolatedPipeline(topics.map((topic) => ({ topic })));
    // every change twice: as first written, then re-emitted by Debezium (new offsets, the other envelope shape)
    for (const kind of KINDS) {
      const own = changes.filter((c) => c.kind === kind);
      await produce(documentedTopic(kind, prefix), [...own.map(message), ...own.map((c) => message({ ...c, withSchema: true }))]);
    }
    processors.start(env);
    const output = await consumeAll(sink, { count: changes.length * 2 });
    expect(output).toHaveLength(changes.length * 2);

    const idsByLabel = new Map<string, Set<string>>();
    for (const record of output) {
      const event = exact(record.value!);
      const matches = changes.filter((c) => fingerprint(c) === eventFingerprint(event) && positionMatches(c, event.source.position));
      expect(matches.map((c) => c.label), `${record.value} is one change`).toHaveLength(1);
      idsByLabel.set(matches[0].label, new Set([...(idsByLabel.get(matches[0].label) ?? []), event.eventId]));
    }
    expect([...idsByLabel.keys()].sort()).toEqual(changes.map((c) => c.label).sort());
    for (const [label, ids] of idsByLabel) expect(ids.size, `${label}: both deliveries share one id`).toBe(1);
    const all = [...idsByLabel.values()].map((ids) => [...ids][0]);
    expect(new Set(all).size, 'distinct changes have distinct ids').toBe(changes.length);
  });

  test('identical rows of a keyless table read in one snapshot share an eventId (nothing at the source tells them apart)', async () => {
    const prefix = unique('twins');
    const topic = documentedTopic('postgres', prefix);
    const { sink, env } = await isolatedPipeline([{ topic }]);
    const twin: DocumentedChange = { kind: 'postgres', prefix, op: 'r', key: null, after: row({ id: '1', note: 'same' }), position: '"txId":790,"lsn":33819704,"xmin":null' };
    await produce(topic, [message(twin), message(twin)]);
    processors.start(env);
    const output = await consumeAll(sink, { count: 2 });
    // both rows are delivered; a consumer that de-duplicates by eventId keeps one (docs/event-processor.md: eventId)
    expect(output).toHaveLength(2);
    expect(new Set(output.map((o) => exact(o.value!).eventId)).size).toBe(1);
  });

  test('an empty value goes to the DLQ; a null value (tombstone) is skipped', async () => {
    const prefix = unique('empty');
    const topic = documentedTopic('sqlserver', prefix);
    const { sink, dlq, env } = await isolatedPipeline([{ topic }]);
    const good = (id: string, seq: number): DocumentedChange => ({ kind: 'sqlserver', prefix, op: 'c', key: `{"id":${id}}`, after: row({ id }), position: position('sqlserver', seq) });
    await produce(topic, [message(good('1', 1)), { key: '{"id":1}', value: Buffer.alloc(0) }, { key: '{"id":1}', value: null }, message(good('2', 2))]);
    processors.start(env);
    expect((await consumeAll(sink, { count: 2 })).map((o) => exact(o.value!).key.id.value).sort()).toEqual(['1', '2']);
    const dead = await consumeAll(dlq, { count: 1, idleMs: 3000 });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ key: '{"id":1}', value: '', headers: { 'cdc-source-topic': topic, 'cdc-source-offset': '1' } });
    expect(dead[0].headers['cdc-error']).toMatch(/value is empty/);
  });

  test.each(['at-least-once', 'exactly-once'])('%s: a burst of 4,000 poison records and one larger than the broker accepts do not stop the stream', async (guarantee) => {
    const prefix = unique('burst');
    const topic = documentedTopic('postgres', prefix);
    // the raw topic takes records up to 8 MiB; the DLQ keeps the broker's default limit (about 1 MiB)
    const { sink, dlq, groupId, env } = await isolatedPipeline([{ topic, configs: { 'max.message.bytes': String(8 * 1024 * 1024) } }], { PROCESSING_GUARANTEE: guarantee });
    const good = (n: number) => message({ kind: 'postgres', prefix, op: 'c', key: `{"id":${n}}`, after: row({ id: String(n) }), position: position('postgres', n) });
    const poison = (n: number) => ({ key: `poison-${n}`, value: `{"broken": ${'x'.repeat(340)} #${n}` });
    const huge = { key: 'huge', value: 'y'.repeat(3 * 1024 * 1024), headers: { origin: 'bad-producer' } };
    await produce(topic, Array.from({ length: 100 }, (_, i) => good(i)));
    await produce(topic, Array.from({ length: 4000 }, (_, i) => poison(i)), 500);
    await produce(topic, Array.from({ length: 100 }, (_, i) => good(100 + i)));
    await produce(topic, [huge], 1);
    await produce(topic, Array.from({ length: 100 }, (_, i) => good(200 + i)));
    const total = await endOffsets([topic]);

    const processor = processors.start(env);
    await processor.waitStarted();
    await waitFor('every input committed', async () => (await committed(groupId, [topic])) >= total, 240_000, 500);
    expect(processor.child.exitCode).toBe(null);

    const output = await consumeAll(sink, { count: 300 });
    expect(new Set(output.map((o) => exact(o.value!).key.id.value)).size).toBe(300);
    const dead = await consumeAll(dlq, { count: 4001, timeoutMs: 120_000 });
    expect(dead).toHaveLength(4001);
    expect(dead.filter((d) => d.key?.startsWith('poison-'))).toHaveLength(4000);
    const stand_in = dead.find((d) => d.headers['cdc-source-offset'] === String(4200))!;
    expect(stand_in.headers).toMatchObject({ 'cdc-source-topic': topic, 'cdc-source-partition': '0', 'cdc-oversized': 'true' });
    expect(stand_in.headers['cdc-error']).toMatch(/too large for the dead-letter topic/);
    expect(stand_in.value!.length).toBeLessThan(4096);
    expect(JSON.parse(stand_in.value!)).toMatchObject({ sourceTopic: topic, sourceOffset: '4200', valueBytes: huge.value.length });
    const metrics = await (await fetch(`http://127.0.0.1:${processor.httpPort}/metrics`)).text();
    expect(metrics).toContain('tenant_cdc_dlq_oversized_total 1');
    expect(metrics).toContain(`tenant_cdc_events_dlq_total{tenant="${prefix}"} 4001`);
    const tableEvents = valueOf(metrics, 'tenant_cdc_table_events_out_total', { tenant: prefix, table: 'public.orders' });
    if (guarantee === 'at-least-once') {
      expect(tableEvents).toBeGreaterThanOrEqual(300);
      expect(metrics).not.toMatch(/^tenant_cdc_(eos_\w+|slot_lag)\{/m);
      return;
    }
    // exactly-once: each event counted once, when its transaction committed; the topic's one partition is in one slot
    expect(tableEvents).toBe(300);
    const slot = String(slotOf(topic, 0, PROCESSOR_ENV_DEFAULTS.exactlyOnceSlots));
    expect(valueOf(metrics, 'tenant_cdc_eos_slot_opens_total', { slot })).toBeGreaterThanOrEqual(1);
    expect(valueOf(metrics, 'tenant_cdc_eos_commits_total', { slot })).toBeGreaterThan(0);
    // present from the slot's opening, so an alert's increase() would see a first fence (none is expected here)
    expect(valueOf(metrics, 'tenant_cdc_eos_fenced_total', { slot })).toBeGreaterThanOrEqual(0);
    // every input committed: the slot's partition was at its end at its last batch
    expect(valueOf(metrics, 'tenant_cdc_slot_lag', { slot })).toBe(0);
    // only the slot the processor had work in
    expect(metrics.match(/^tenant_cdc_slot_lag\{.*$/gm)).toHaveLength(1);
  });

  test('when MAX_MESSAGE_BYTES says more than the topics take, the broker\'s refusal makes the chunks smaller', async () => {
    const prefix = unique('limit');
    const topic = documentedTopic('mysql', prefix);
    const { sink, dlq, groupId, env } = await isolatedPipeline([{ topic }], { MAX_MESSAGE_BYTES: String(16 * 1024 * 1024) });
    const good = (n: number) => message({ kind: 'mysql', prefix, op: 'c', key: `{"id":${n}}`, after: row({ id: String(n) }), position: position('mysql', n) });
    await produce(topic, [...Array.from({ length: 4000 }, (_, i) => ({ key: `poison-${i}`, value: `not json ${'z'.repeat(400)}` })), good(1), good(2)], 500);
    const total = await endOffsets([topic]);
    const processor = processors.start(env);
    await processor.waitStarted();
    await waitFor('every input committed', async () => (await committed(groupId, [topic])) >= total, 120_000, 500);
    expect(processor.child.exitCode).toBe(null);
    expect(processor.output.some((line) => line.includes('refused a produce request as too large'))).toBe(true);
    expect(await consumeAll(sink, { count: 2 })).toHaveLength(2);
    // at-least-once: a chunk sent before the refusal may be sent again; every poison record is there
    expect(new Set((await consumeAll(dlq, { count: 4000 })).map((d) => d.key)).size).toBe(4000);
  });
});

const OP_NAMES: Record<string, string> = { c: 'create', u: 'update', d: 'delete', r: 'read' };

/** What a change looks like in an output event, apart from its position. */
function fingerprint(change: DocumentedChange): string {
  const connector = change.kind === 'postgres' ? 'postgresql' : change.kind;
  return stringify([connector, OP_NAMES[change.op], exact(change.key ?? 'null'), exact(change.before ?? 'null'), exact(change.after ?? 'null')])!;
}

function eventFingerprint(event: any): string {
  return stringify([event.source.connector, event.op, event.key, event.before, event.after])!;
}

/** The source fields that place a change in its database's log (Debezium docs, "source" per connector). */
const LOG_FIELDS = ['lsn', 'change_lsn', 'commit_lsn', 'event_serial_no', 'gtid', 'file', 'pos', 'row'];

/** Every log field of the change appears in the output's `source.position`. */
function positionMatches(change: DocumentedChange, outputPosition: string): boolean {
  const fields = exact(`{${change.position}}`);
  const values = LOG_FIELDS.map((f) => fields[f]).filter((v) => v !== null && v !== undefined).map((v) => (isLosslessNumber(v) ? v.value : String(v)));
  return values.every((v) => outputPosition.includes(v));
}

/** The value of the series of `name` with exactly these labels in a /metrics text; fails when there is none. */
function valueOf(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
  for (const line of metrics.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (match && match[1] === name && match[2].split(',').sort().join(',') === wanted) return Number(match[3]);
  }
  throw new Error(`no series ${name}{${wanted}} in /metrics:\n${metrics.split('\n').filter((l) => l.startsWith(name)).join('\n') || '(none of that name)'}`);
}
