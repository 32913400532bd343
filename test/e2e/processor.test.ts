import { afterEach, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { startKafka, stopKafka } from '../../scripts/stack.mjs';
import { changeKey, changeValue, ChangeSpec, Kind, schemaOf, topicOf } from '../support/debezium-events';
import type { TenantsFile } from '../../src';
import { ofKind, synthPlatform } from '../support/synth';
import {
  brokers, committed, Consumed, consumeAll, createTopics, endOffsets, grantAcls, isolatedPipeline as pipeline, processorAccess, processorFleet, produce, readCommitted, sleep,
  unique, waitFor,
} from './support/kafka';
import { processorAcls } from '../../src/acls/kafka-acls';

/** Contract 2 on a real KRaft broker: the processor runs as a real process, killed and restarted for real. */
const processors = processorFleet();
const startProcessor = processors.start;
afterEach(processors.stopAll);

function message(spec: ChangeSpec) {
  return { key: changeKey(spec), value: changeValue(spec) };
}

/** The changes of `rows` rows: a snapshot read, then create, updates and a delete for some. */
function history(base: Omit<ChangeSpec, 'op' | 'id' | 'seq'>, rows: number, firstSeq = 0): ChangeSpec[] {
  const specs: ChangeSpec[] = [];
  let seq = firstSeq;
  for (let id = 1; id <= rows; id++) specs.push({ ...base, op: 'r', id, seq: seq++ });
  for (let id = rows + 1; id <= rows * 2; id++) specs.push({ ...base, op: 'c', id, seq: seq++ });
  for (let round = 0; round < 2; round++) for (let id = 1; id <= rows * 2; id += 2) specs.push({ ...base, op: 'u', id, seq: seq++ });
  for (let id = 2; id <= rows * 2; id += 4) specs.push({ ...base, op: 'd', id, seq: seq++ });
  return specs;
}

const OPS = { c: 'create', u: 'update', d: 'delete', r: 'read' } as const;

describe('the event processor on a real Kafka broker', () => {
  test('all operations of three tenants on three database kinds arrive with tenant, key, headers, in row order', async () => {
    const kinds: Array<[Kind, string]> = [['sqlserver', 'AcmeProd'], ['postgres', 'globex'], ['mysql', 'hooli']];
    const tenants = ['acme', 'globex', 'hooli'].map((t) => unique(t));
    const specs: ChangeSpec[] = [];
    tenants.forEach((prefix, t) => kinds.forEach(([kind, database], k) => {
      specs.push(...history({ kind, prefix, database, table: 'orders', withSchema: (t + k) % 2 === 0 }, 10, 1000 * (t * 3 + k)));
    }));
    const topics = [...new Set(specs.map(topicOf))];
    const { sink, env } = await pipeline(topics.map((topic) => ({ topic, partitions: 2 })));
    for (const topic of topics) await produce(topic, specs.filter((s) => topicOf(s) === topic).map(message));

    startProcessor(env);
    const output = await consumeAll(sink, { count: specs.length });
    expect(output).toHaveLength(specs.length);

    for (const prefix of tenants) {
      for (const [kind, database] of kinds) {
        const schema = schemaOf(kind, database);
        const expected = specs.filter((s) => s.prefix === prefix && s.kind === kind);
        const rows = new Set(expected.map((s) => s.id));
        for (const id of rows) {
          const key = `${prefix}:${schema}.orders:{"id":${id}}`;
          const got = output.filter((o) => o.key === key);
          expect(got.map((o) => JSON.parse(o.value!).op), key).toEqual(expected.filter((s) => s.id === id).map((s) => OPS[s.op]));
          for (const record of got) {
            const event = JSON.parse(record.value!);
            expect(record.headers).toEqual({ 'cdc-tenant': prefix, 'cdc-table': `${schema}.orders`, 'cdc-op': event.op });
            expect(event).toMatchObject({ tenant: prefix, database, schema, table: 'orders', key: { id } });
          }
        }
      }
    }
  });

  test('poison messages go to the DLQ with their error and origin, and the events around them still arrive', async () => {
    const prefix = unique('acme');
    const topic = topicOf({ kind: 'postgres', prefix, database: 'db', table: 't' });
    const { sink, dlq, env } = await pipeline([{ topic }]);
    const good = (id: number) => message({ kind: 'postgres', prefix, database: 'db', table: 't', op: 'c', id, seq: id });
    const poison = [
      { key: 'k1', value: 'not json at all', headers: { origin: 'test' } },
      { key: 'k2', value: JSON.stringify({ id: 1, total: 2 }) },
      { key: 'k3', value: JSON.stringify({ op: 'z', source: { name: prefix, table: 't', connector: 'postgresql' }, after: { id: 1 } }) },
    ];
    await produce(topic, [good(1), poison[0], good(2), poison[1], good(3), poison[2], good(4)]);

    startProcessor(env);
    const output = await consumeAll(sink, { count: 4 });
    // different rows may land on different sink partitions: compare as a set (row order is tested above)
    expect(output.map((o) => JSON.parse(o.value!).key.id).sort()).toEqual([1, 2, 3, 4]);
    const dead = await consumeAll(dlq, { count: 3 });
    expect(dead.map((d) => [d.key, d.value])).toEqual(poison.map((p) => [p.key, p.value]));
    expect(dead.map((d) => d.headers['cdc-source-offset'])).toEqual(['1', '3', '5']);
    for (const record of dead) {
      expect(record.headers).toMatchObject({ 'cdc-source-topic': topic, 'cdc-source-partition': '0' });
      expect(record.headers['cdc-error']).toMatch(/not JSON|no Debezium envelope|unknown op "z"/);
    }
    expect(dead[0].headers.origin).toBe('test');
  });

  test.each(['at-least-once', 'exactly-once'])('%s: SIGKILL three times during a 100,000-event stream loses nothing', async (guarantee) => {
    const prefix = unique('load');
    const topic = topicOf({ kind: 'sqlserver', prefix, database: 'Load', table: 'events' });
    const { sink, groupId, env } = await pipeline([{ topic, partitions: 4 }], { PROCESSING_GUARANTEE: guarantee });
    const total = 100_000;
    const specs = Array.from({ length: total }, (_, i): ChangeSpec => ({ kind: 'sqlserver', prefix, database: 'Load', table: 'events', op: i % 5 === 0 ? 'c' : 'u', id: i % 5000, seq: i }));
    await produce(topic, specs.map(message));

    for (const fraction of [0.2, 0.45, 0.7]) {
      const processor = startProcessor(env);
      await processor.waitStarted();
      await waitFor(`${fraction * 100}% committed`, async () => (await committed(groupId, [topic])) >= total * fraction, 300_000, 100);
      processor.kill('SIGKILL');
      expect(await processor.exited).toBe(null);
    }
    startProcessor(env);
    await waitFor('everything committed', async () => (await committed(groupId, [topic])) >= total, 300_000, 250);

    // exactly-once aborts the killed processes' transactions: read them with Kafka's Java client (see readCommitted)
    const output = guarantee === 'exactly-once' ? await readCommitted(sink) : await consumeAll(sink, { count: total, idleMs: 5000 });
    const ids = new Set(output.map((o) => JSON.parse(o.value!).eventId));
    expect(ids.size).toBe(total);
    if (guarantee === 'exactly-once') expect(output).toHaveLength(total);
    else expect(output.length).toBeGreaterThanOrEqual(total);
  });

  test('SIGTERM drains, commits and exits 0; a restart re-reads nothing', async () => {
    const prefix = unique('term');
    const topic = topicOf({ kind: 'mysql', prefix, database: 'db', table: 't' });
    const { sink, groupId, env } = await pipeline([{ topic, partitions: 2 }]);
    await produce(topic, history({ kind: 'mysql', prefix, database: 'db', table: 't' }, 500).map(message));
    const total = await endOffsets([topic]);

    const first = startProcessor(env);
    await first.waitStarted();
    await waitFor('everything processed', async () => (await consumeAll(sink, { count: total, timeoutMs: 10_000 })).length >= total, 60_000, 1000);
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(await committed(groupId, [topic])).toBe(total);

    const second = startProcessor(env);
    await second.waitStarted();
    await sleep(5000);
    expect(await consumeAll(sink, { idleMs: 3000 })).toHaveLength(total);
    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  test('serves /healthz, /readyz and /metrics with per-tenant counts', async () => {
    const prefix = unique('http');
    const topic = topicOf({ kind: 'postgres', prefix, database: 'db', table: 't' });
    const { sink, env } = await pipeline([{ topic }]);
    const changes = history({ kind: 'postgres', prefix, database: 'db', table: 't' }, 5);
    await produce(topic, [...changes.map(message), { key: 'x', value: 'junk' }]);
    const processor = startProcessor(env);
    await processor.waitStarted();
    const url = (p: string) => `http://127.0.0.1:${processor.httpPort}${p}`;
    await waitFor('ready', async () => (await fetch(url('/readyz'))).status === 200, 30_000);
    expect((await fetch(url('/healthz'))).status).toBe(200);
    await consumeAll(sink, { count: changes.length });
    await waitFor('metrics', async () => (await (await fetch(url('/metrics'))).text()).includes(`tenant_cdc_events_out_total{tenant="${prefix}"} ${changes.length}`), 30_000);
    const metrics = await (await fetch(url('/metrics'))).text();
    // a dead letter counts for the tenant of its raw topic
    expect(metrics).toContain(`tenant_cdc_events_dlq_total{tenant="${prefix}"} 1`);
    expect(metrics).toContain(`tenant_cdc_consumer_lag{topic="${topic}",partition="0",tenant="${prefix}"} 0`);
    expect(metrics).toMatch(/tenant_cdc_processing_latency_seconds_count \d+/);
  });

  // SQL Server compares database names case-insensitively and Debezium writes the topic and source.db in the
  // server's spelling, so the events here are spelled as a server could have created the databases, not as the file
  test('routes a SQL Server group\'s events, written in the server\'s spelling, to each database\'s tenant, with the synthesized Deployment\'s TENANT_ROUTES; '
    + 'a database of no tenant goes to the DLQ, counted', async () => {
    const group = unique('grp');
    const file: TenantsFile = {
      namespace: 'cdc', kafka: { bootstrapServers: brokers().join(',') }, processor: { outputTopic: unique('routed') },
      sqlServerGroups: [{ name: group, host: 'sql.example.com', credentials: { secret: 'grp-db' }, tasks: 2 }],
      tenants: [{ id: 'acme', group, database: { name: 'AcmeProd' }, tables: ['dbo.orders'] }, { id: 'globex', group, database: { name: 'GlobexProd' }, tables: ['dbo.orders'] }],
    };
    const env = Object.fromEntries(ofKind(synthPlatform(file), 'Deployment')[0].spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    const serverSpelling: Record<string, string> = { acme: 'acmeprod', globex: 'GLOBEXPROD' };
    const specs = ['acme', 'globex'].flatMap((id, t) => history({ kind: 'sqlserver', prefix: group, database: serverSpelling[id], table: 'orders' }, 5, 100 * t));
    const stray = history({ kind: 'sqlserver', prefix: group, database: 'InitechProd', table: 'orders' }, 1, 500);
    const topics = [...new Set([...specs, ...stray].map(topicOf))];
    await createTopics([...topics.map((topic) => ({ topic })), { topic: env.SINK_TOPIC }, { topic: `${env.SINK_TOPIC}.dlq` }]);
    for (const topic of topics) await produce(topic, [...specs, ...stray].filter((s) => topicOf(s) === topic).map(message));
    const processorEnv = { ...env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', KAFKA_GROUP_ID: unique('group') };
    // its own principal with the ACLs emitted for the group's prefix
    const processor = startProcessor({ ...processorEnv, ...await processorAccess(processorEnv, [group]) });
    const output = await consumeAll(env.SINK_TOPIC, { count: specs.length });
    expect(output).toHaveLength(specs.length);
    for (const record of output) {
      const event = JSON.parse(record.value!);
      expect(event.database).toBe(serverSpelling[event.tenant]);
      expect(record.key!.startsWith(`${event.tenant}:dbo.orders:`)).toBe(true);
      expect(record.headers['cdc-tenant']).toBe(event.tenant);
    }
    expect(new Set(output.map((o) => JSON.parse(o.value!).tenant))).toEqual(new Set(['acme', 'globex']));
    // the database of no tenant: every event in the DLQ, unchanged, with the reason; none in the final topic with the group's name
    const dead = await consumeAll(`${env.SINK_TOPIC}.dlq`, { count: stray.length });
    expect(dead).toHaveLength(stray.length);
    for (const record of dead) {
      expect(record.headers['cdc-source-topic']).toBe(topicOf(stray[0]));
      expect(record.headers['cdc-error']).toMatch(new RegExp(`^database "InitechProd" of SQL Server group ${group} is no tenant of the group \\(its tenants' databases: AcmeProd, GlobexProd\\)`));
    }
    await processor.waitStarted();
    const unrouted = `tenant_cdc_unrouted_events_total{group="${group}",database="InitechProd"} ${stray.length}`;
    const scrape = async () => (await fetch(`http://127.0.0.1:${processor.httpPort}/metrics`)).text();
    await waitFor('the unrouted events counted', async () => (await scrape()).includes(unrouted), 30_000);
    const metrics = await scrape();
    expect(metrics).not.toContain(`tenant="${group}"`);
  });

  test('picks up a new tenant\'s topic that appears after it started', async () => {
    const prefixes = [unique('early'), unique('late')];
    const [early, late] = prefixes.map((prefix) => topicOf({ kind: 'postgres', prefix, database: 'db', table: 't' }));
    const { sink, env } = await pipeline([{ topic: early }], { TOPIC_REFRESH_MS: '1000' });
    const pattern = `^(?:${prefixes.join('|')})\\.[^.]+\\.[^.]+$`;
    const patternEnv = { ...env, SOURCE_TOPICS: '', SOURCE_TOPIC_PATTERN: pattern };
    // the ACLs of a pattern are its tenants' prefixes: the late topic is readable before it exists
    const processor = startProcessor({ ...patternEnv, ...await processorAccess(patternEnv, prefixes) });
    await processor.waitStarted();
    await produce(early, [message({ kind: 'postgres', prefix: prefixes[0], database: 'db', table: 't', op: 'c', id: 1, seq: 1 })]);
    await consumeAll(sink, { count: 1 });
    await createTopics([{ topic: late }]);
    await produce(late, [message({ kind: 'postgres', prefix: prefixes[1], database: 'db', table: 't', op: 'c', id: 2, seq: 2 })]);
    const output = await consumeAll(sink, { count: 2, timeoutMs: 60_000 });
    expect(output.map((o) => JSON.parse(o.value!).tenant).sort()).toEqual([...prefixes].sort());
  });

  test('a removed tenant\'s topics, their READ ACL taken away after the change, are dropped while the others keep flowing', async () => {
    const [kept, removed] = [unique('kept'), unique('removed')];
    const topics = [kept, removed].map((prefix) => topicOf({ kind: 'postgres', prefix, database: 'db', table: 't' }));
    // refreshes far apart: its next fetch meets the refusal first, which must not stop it
    const { sink, env } = await pipeline(topics.map((topic) => ({ topic })), { TOPIC_REFRESH_MS: '600000' });
    const patternEnv = { ...env, SOURCE_TOPICS: '', SOURCE_TOPIC_PATTERN: `^(?:${kept}|${removed})\\.[^.]+\\.[^.]+$` };
    const access = await processorAccess(patternEnv, [kept, removed]);
    const processor = startProcessor({ ...patternEnv, ...access });
    await processor.waitStarted();
    const change = (prefix: string, id: number) => message({ kind: 'postgres', prefix, database: 'db', table: 't', op: 'c', id, seq: id });
    await produce(topics[0], [change(kept, 1)]);
    await produce(topics[1], [change(removed, 2)]);
    await consumeAll(sink, { count: 2 });
    // what the plan lists to remove after a tenant is gone: the processor's READ and DESCRIBE on its prefix
    await grantAcls(`User:${access.KAFKA_SASL_USERNAME}`, processorAcls({ groupId: env.KAFKA_GROUP_ID, sourceTopics: [], sourcePrefixes: [removed], sinkTopic: sink,
      dlqTopic: `${sink}.dlq`, exactlyOnce: false }).filter((g) => g.resource.name === `${removed}.`), { remove: true });
    await waitFor('the removed tenant\'s topic dropped', () => processor.output.some((line) => line.includes('source topics changed') && line.includes(topics[1])), 60_000);
    await produce(topics[0], [change(kept, 3)]);
    const output = await consumeAll(sink, { count: 3, timeoutMs: 60_000 });
    expect(output.map((o) => JSON.parse(o.value!).key.id).sort()).toEqual([1, 2, 3]);
    expect(processor.child.exitCode).toBe(null);
  });

  // stops and starts the shared broker: keep it last
  test('recovers by itself when the broker stops and starts again, losing nothing', async () => {
    const prefix = unique('outage');
    const topic = topicOf({ kind: 'sqlserver', prefix, database: 'Db', table: 't' });
    const { sink, env } = await pipeline([{ topic, partitions: 2 }]);
    const batch = (from: number) => Array.from({ length: 2000 }, (_, i): ChangeSpec => ({ kind: 'sqlserver', prefix, database: 'Db', table: 't', op: 'c', id: from + i, seq: from + i }));
    await produce(topic, batch(0).map(message));
    const processor = startProcessor(env);
    await processor.waitStarted();
    await consumeAll(sink, { count: 2000 });

    await stopKafka({ dir: process.env.E2E_KAFKA_DIR });
    await sleep(5000);
    await startKafka({ dir: process.env.E2E_KAFKA_DIR, port: Number(process.env.E2E_KAFKA_PORT) });
    await produce(topic, batch(2000).map(message));

    const output: Consumed[] = await consumeAll(sink, { count: 4000, timeoutMs: 180_000 });
    expect(new Set(output.map((o) => JSON.parse(o.value!).key.id)).size).toBe(4000);
    expect(processor.child.exitCode).toBe(null);
  });
});
