import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TenantsFile } from '../../src';
// @ts-expect-error: a plain ES module script shared with the tests and the demo
import { startMariaDb, stopMariaDb } from '../../scripts/mariadb.mjs';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../../scripts/ports.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { stopConnect } from '../../scripts/stack.mjs';
import type { Manifest } from '../support/synth';
import { ofKind, synthPlatform } from '../support/synth';
import { ConnectRest, madeUpPassword } from './support/connect';
import { consumeAll, ProcessorProcess, unique, waitFor, withAdmin } from './support/kafka';
import { TestKafkaAccess, testKafkaAccess } from './support/kafka-access';
import { deploy, startSynthesizedWorker } from './support/deploy';
import { containerEnvironment, ensureNamespace, putSecret, serviceAccountCredentials } from './support/kubernetes';

/**
 * MariaDB tenants end to end on the real programs: Debian's MariaDB, the Debezium MariaDB plugin the
 * synthesized KafkaConnect's build names (from Maven Central), a Connect worker configured from that
 * KafkaConnect that reads each tenant's credentials from its Secret through Strimzi's
 * KubernetesSecretConfigProvider and the generated Role, and the processor with the synthesized
 * Deployment's environment. Two tenants, one database each on one server: snapshot, streaming, a DDL
 * while streaming, a task restart and a worker restart (the schema history comes back from its topic),
 * column rules, and every change on the final topic exactly once. Kafka is SASL_SSL with ACLs: the schema
 * history's own producer and consumer log in with the `schema.history.internal.*` settings tenant-cdc
 * writes, as Connect's principal, with exactly the ACLs it emits (Confluent Cloud's way: no CA named).
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-mariadb-'));
const namespace = `md-${unique('e2e').slice(4)}`;
const run = unique('md').replace(/-/g, '');
const connectName = `${run}-connect`;
const tenants = ['alpha', 'beta'].map((name) => `${run}-${name}`);
const [alpha, beta] = tenants;
const dbOf = (id: string) => id.replace(/-/g, '_');
// a pepper written into the output, not a credential; made up anyway
const salt = `salt-${madeUpPassword()}`;
let mariadb: { port: number; dir: string; sql: (statement: string, database?: string) => string };
let connect: ConnectRest;
let connectDir: string;
let connectPort: number;
let metricsPort: number;
let tokenFile: string;
let processor: ProcessorProcess | undefined;
let sink: string;
let access: TestKafkaAccess;

/** `added`: tables added to alpha later (the snapshot of tables added while streaming). */
function tenantsFile(added: string[] = []): TenantsFile {
  return {
    namespace,
    kafka: access.kafka,
    connect: { name: connectName, replicas: 1, build: { image: 'registry.example.com/connect-debezium:e2e' } },
    processor: { outputTopic: `${run}.events`, kafkaAuth: access.processorAuth },
    masking: { salt },
    // heartbeats every second, so each tenant's own heartbeat topic shows up within the test
    defaults: { database: { kind: 'mariadb', host: '127.0.0.1', port: mariadb.port }, heartbeatIntervalMs: 1000 },
    tenants: tenants.map((id) => ({
      id, database: { name: dbOf(id) }, credentials: { secret: `${id}-db` },
      tables: [`${dbOf(id)}.orders`, { table: `${dbOf(id)}.customers`, key: ['id'], exclude: ['ssn'], hash: ['email'], asterisks: { phone: 4 } }, ...(id === alpha ? added : [])],
    })),
  };
}

/**
 * A tenant database with rows that exist before capture, and a user made up now with what Debezium's
 * MariaDB connector needs: replication and RELOAD on the server, SELECT on its own database only.
 */
function createTenantDatabase(id: string): void {
  const db = dbOf(id);
  const user = `${db}_cdc`;
  const password = madeUpPassword();
  mariadb.sql(`CREATE DATABASE ${db};
    CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}';
    GRANT RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${user}'@'127.0.0.1';
    GRANT SELECT ON ${db}.* TO '${user}'@'127.0.0.1';`);
  mariadb.sql(`CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(64) NOT NULL, total DECIMAL(10,2) NOT NULL);
    CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, email VARCHAR(128), ssn VARCHAR(16), phone VARCHAR(32));
    INSERT INTO orders VALUES (1, 'c1', 10.50), (2, 'c2', 20.25);
    INSERT INTO customers VALUES (1, 'ann', 'ann@example.com', '078-05-1120', '+41 44 555 0101'), (2, 'bob', 'bob@example.com', '219-09-9999', '+41 44 555 0102');`, db);
  putSecret(namespace, `${id}-db`, { username: user, password });
}

function startWorker(objects: Manifest[]): Promise<{ url: string }> {
  return startSynthesizedWorker(objects, { restPort: connectPort, dir: connectDir, tokenFile, metricsPort, jvmOptions: access.workerJvmOptions });
}

/** Events on the final topic, parsed, with their Kafka key and headers. */
async function finalEvents(options: { count?: number; idleMs?: number; timeoutMs?: number } = {}) {
  return (await consumeAll(sink, { idleMs: 3000, ...options })).map((o) => ({ kafkaKey: o.key, headers: o.headers, raw: o.value!, ...JSON.parse(o.value!) }));
}

/** Waits until the final topic holds `count` events of a tenant that `match` accepts. */
async function arrived(what: string, match: (e: any) => boolean, count = 1): Promise<void> {
  await waitFor(what, async () => (await finalEvents()).filter(match).length >= count, 120_000, 1000);
}

const taskState = async (id: string) => (await connect.status(id))?.tasks?.[0]?.state;
const workerLog = () => fs.readFileSync(path.join(connectDir, 'worker.log'), 'utf8');
const recoveries = () => [...workerLog().matchAll(/Finished database schema history recovery of (\d+) change\(s\)/g)].map((m) => Number(m[1]));
/** Task starts that found their offsets and so took no snapshot (Debezium logs the skipped snapshot). */
const skippedSnapshots = () => workerLog().split('Snapshot ended with SnapshotResult [status=SKIPPED').length - 1;

beforeAll(async () => {
  const port = await freePorts(3);
  [connectPort, metricsPort] = [port + 1, port + 2];
  mariadb = await startMariaDb({ port, dir: path.join(work, 'mariadb') });
  ensureNamespace(namespace);
  access = testKafkaAccess(namespace, run, { publicCa: true });
  for (const id of tenants) createTenantDatabase(id);
  const objects = await deploy(tenantsFile());
  // the ServiceAccount Strimzi creates for the Connect pods, and the token the kubelet would mount
  tokenFile = serviceAccountCredentials(namespace, `${connectName}-connect`, path.join(work, 'serviceaccount')).tokenFile;
  connectDir = path.join(work, 'connect');
  connect = new ConnectRest((await startWorker(objects)).url);
}, 600_000);

afterAll(async () => {
  if (processor && processor.child.exitCode === null) processor.kill('SIGKILL');
  if (connectDir) await stopConnect({ dir: connectDir });
  if (mariadb) await stopMariaDb({ dir: mariadb.dir });
  fs.rmSync(work, { recursive: true, force: true });
});

describe('MariaDB tenants on a real Kafka Connect worker with Debezium\'s MariaDB connector', () => {
  test('the KafkaConnect builds Debezium\'s MariaDB plugin from Maven Central, and Connect loads it', async () => {
    const objects = synthPlatform(tenantsFile());
    expect(ofKind(objects, 'KafkaConnect')[0].spec.build.plugins).toEqual([{ name: 'debezium-connector-mariadb',
      artifacts: [{ type: 'maven', group: 'io.debezium', artifact: 'debezium-connector-mariadb', version: '3.5.0.Final' }] }]);
    const plugins = (await connect.request('GET', '/connector-plugins')).body;
    expect(plugins).toContainEqual(expect.objectContaining({ class: 'io.debezium.connector.mariadb.MariaDbConnector', version: '3.5.0.Final' }));
  });

  test('snapshot: the rows that existed arrive as reads, column rules applied at the source', async () => {
    const objects = synthPlatform(tenantsFile());
    // created as Strimzi does it (validated first); the credentials come from the Secrets through the generated Role
    for (const connector of ofKind(objects, 'KafkaConnector')) await connect.apply(connector);
    for (const id of tenants) await waitFor(`${id} running`, async () => (await taskState(id)) === 'RUNNING', 120_000, 500);
    const env = containerEnvironment(ofKind(objects, 'Deployment')[0], path.join(work, 'processor-pod'));
    // only the HTTP port moves off 8080, and topics are looked for every 2 s instead of 30 s
    processor = new ProcessorProcess({ ...env, ...access.processorEnv, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', TOPIC_REFRESH_MS: '2000' });
    await processor.waitStarted();
    sink = env.SINK_TOPIC;

    const events = await finalEvents({ count: tenants.length * 4, timeoutMs: 180_000 });
    for (const id of tenants) {
      const reads = events.filter((e) => e.tenant === id);
      expect(reads.map((e) => `${e.table}:${e.key.id}:${e.op}`).sort()).toEqual(['customers:1:read', 'customers:2:read', 'orders:1:read', 'orders:2:read']);
      const order = reads.find((e) => e.table === 'orders' && e.key.id === 1);
      expect(order).toMatchObject({ database: dbOf(id), schema: dbOf(id), after: { id: 1, customer: 'c1', total: '10.50' },
        source: { connector: 'mariadb', snapshot: true } });
      expect(order.kafkaKey).toBe(`${id}:${dbOf(id)}.orders:{"id":1}`);
      expect(order.headers).toEqual({ 'cdc-tenant': id, 'cdc-table': `${dbOf(id)}.orders`, 'cdc-op': 'read' });
      // a snapshot read carries the binlog position the snapshot started at, and no GTID
      expect(order.source.position).toMatch(/^mariadb-bin\.\d{6}:\d+:\d+$/);
      const ann = reads.find((e) => e.table === 'customers' && e.key.id === 1).after;
      expect(ann).toEqual({ id: 1, name: 'ann', email: sha256(salt + 'ann@example.com'), phone: '****' });
    }
  });

  test('streaming: inserts, updates and deletes arrive in row order, each with MariaDB\'s GTID and binlog position', async () => {
    for (const id of tenants) {
      mariadb.sql(`INSERT INTO orders VALUES (3, 'c3', 30.00);
        UPDATE orders SET total = 11.75 WHERE id = 1;
        BEGIN; UPDATE orders SET total = 12.00 WHERE id = 1; DELETE FROM orders WHERE id = 2; COMMIT;
        INSERT INTO customers VALUES (3, 'carla', 'ann@example.com', '111-22-3333', '+41 44 555 0103');`, dbOf(id));
    }
    await arrived('the streamed changes', (e) => e.table === 'customers' && e.key.id === 3, tenants.length);
    const events = await finalEvents();
    for (const id of tenants) {
      const mine = events.filter((e) => e.tenant === id);
      const ops = (table: string, rowId: number) => mine.filter((e) => e.table === table && e.key.id === rowId).map((e) => e.op);
      expect(ops('orders', 1)).toEqual(['read', 'update', 'update']);
      expect(ops('orders', 2)).toEqual(['read', 'delete']);
      expect(ops('orders', 3)).toEqual(['create']);
      const streamed = mine.filter((e) => e.op !== 'read');
      for (const e of streamed) {
        expect(e.source.snapshot).toBe(false);
        // MariaDB names every transaction with a GTID, <domain>-<server id>-<sequence>
        expect(e.source.position).toMatch(/^0-1-\d+\/mariadb-bin\.\d{6}:\d+:\d+$/);
      }
      // the update and the delete of one transaction share its GTID; the other statements have their own
      const gtid = (e: any) => e.source.position.split('/')[0];
      const inOneTransaction = mine.filter((e) => (e.table === 'orders' && e.key.id === 2 && e.op === 'delete') || (e.table === 'orders' && e.key.id === 1 && e.after?.total === '12.00'));
      expect(inOneTransaction).toHaveLength(2);
      expect(gtid(inOneTransaction[0])).toBe(gtid(inOneTransaction[1]));
      expect(new Set(streamed.map(gtid)).size).toBe(streamed.length - 1);
      expect(mine.find((e) => e.table === 'orders' && e.op === 'delete').before).toEqual({ id: 2, customer: 'c2', total: '20.25' });
      // the same address gives the same hash: joins on it still work
      const carla = mine.find((e) => e.table === 'customers' && e.key.id === 3).after;
      expect(carla).toEqual({ id: 3, name: 'carla', email: sha256(salt + 'ann@example.com'), phone: '****' });
    }
  });

  test('a column added while streaming: rows using it arrive with it', async () => {
    for (const id of tenants) {
      mariadb.sql(`ALTER TABLE orders ADD COLUMN note VARCHAR(64) NULL;
        INSERT INTO orders VALUES (4, 'c4', 40.00, 'after the alter');
        UPDATE orders SET note = 'noted' WHERE id = 3;`, dbOf(id));
    }
    await arrived('the rows with the new column', (e) => e.table === 'orders' && e.key.id === 3 && e.after?.note === 'noted', tenants.length);
    const events = await finalEvents();
    for (const id of tenants) {
      const mine = events.filter((e) => e.tenant === id && e.table === 'orders');
      expect(mine.find((e) => e.key.id === 4).after).toEqual({ id: 4, customer: 'c4', total: '40.00', note: 'after the alter' });
      expect(mine.filter((e) => e.key.id === 3).pop()).toMatchObject({ op: 'update', before: { id: 3, note: null }, after: { id: 3, total: '30.00', note: 'noted' } });
    }
    // the DDL is in each tenant's schema history topic, where a restarted task reads its schema from;
    // the other tenant's, which the server's binlog carries too, is not
    for (const id of tenants) {
      const history = (await consumeAll(`${id}.schema-history`, { idleMs: 2000 })).map((r) => JSON.parse(r.value!));
      expect(history.some((h) => /ALTER TABLE orders ADD COLUMN note/i.test(h.ddl) && h.databaseName === dbOf(id))).toBe(true);
      const other = tenants.find((t) => t !== id)!;
      expect(history.filter((h) => h.databaseName === dbOf(other) || String(h.ddl).includes(dbOf(other)))).toEqual([]);
    }
  });

  test('a restarted task recovers its schema history and resumes without a snapshot', async () => {
    const before = recoveries().length;
    const skippedBefore = skippedSnapshots();
    const restart = await connect.request('POST', `/connectors/${alpha}/restart?includeTasks=true`);
    expect(restart.status).toBe(202);
    await waitFor(`${alpha} restarted`, () => recoveries().length > before, 120_000, 500);
    await waitFor(`${alpha} running`, async () => (await taskState(alpha)) === 'RUNNING', 120_000, 500);
    // one task, one recovery, of a history that is not empty, and its snapshot skipped: the offsets are there
    expect(recoveries().slice(before)).toEqual([expect.any(Number)]);
    expect(recoveries().at(-1)).toBeGreaterThan(0);
    await waitFor('the skipped snapshot', () => skippedSnapshots() === skippedBefore + 1, 60_000, 500);
    mariadb.sql(`INSERT INTO orders VALUES (5, 'c5', 50.00, 'after the task restart'); UPDATE orders SET note = 'task' WHERE id = 4;`, dbOf(alpha));
    await arrived('alpha\'s changes after the task restart', (e) => e.tenant === alpha && e.table === 'orders' && e.key.id === 4 && e.after?.note === 'task');
    const five = (await finalEvents()).find((e) => e.tenant === alpha && e.table === 'orders' && e.key.id === 5);
    expect(five).toMatchObject({ op: 'create', after: { id: 5, customer: 'c5', total: '50.00', note: 'after the task restart' } });
  });

  test('a worker stopped and started again recovers both tenants\' schema history from Kafka: changes made while it was down arrive with the new column', async () => {
    const before = recoveries().length;
    const skippedBefore = skippedSnapshots();
    await stopConnect({ dir: connectDir });
    for (const id of tenants) {
      mariadb.sql(`INSERT INTO orders VALUES (6, 'c6', 60.00, 'while the worker was down');
        UPDATE orders SET note = 'worker', total = 41.00 WHERE id = 4;
        DELETE FROM orders WHERE id = 3;`, dbOf(id));
    }
    connect = new ConnectRest((await startWorker(synthPlatform(tenantsFile()))).url);
    for (const id of tenants) await waitFor(`${id} running again`, async () => (await taskState(id)) === 'RUNNING', 120_000, 500);
    await arrived('the changes made while the worker was down', (e) => e.table === 'orders' && e.key.id === 3 && e.op === 'delete', tenants.length);
    // one recovery per task, each from the history topic (the whole history: it is not empty)
    expect(recoveries().length - before).toBe(tenants.length);
    for (const changes of recoveries().slice(before)) expect(changes).toBeGreaterThan(0);
    expect(skippedSnapshots()).toBe(skippedBefore + tenants.length);
    const events = await finalEvents();
    for (const id of tenants) {
      const orders = events.filter((e) => e.tenant === id && e.table === 'orders');
      expect(orders.find((e) => e.key.id === 6).after).toEqual({ id: 6, customer: 'c6', total: '60.00', note: 'while the worker was down' });
      expect(orders.filter((e) => e.key.id === 4).pop().after).toEqual({ id: 4, customer: 'c4', total: '41.00', note: 'worker' });
      expect(orders.filter((e) => e.key.id === 3).pop()).toMatchObject({ op: 'delete', before: { id: 3, note: 'noted' }, after: null });
      // no snapshot again: the four reads are the first snapshot's
      expect(events.filter((e) => e.tenant === id && e.op === 'read')).toHaveLength(4);
    }
  });

  test('every change is on the final topic exactly once, by eventId, and the excluded column is nowhere in Kafka', async () => {
    const events = await finalEvents();
    const expected = (id: string) => [
      // snapshot
      'orders:1:read', 'orders:2:read', 'customers:1:read', 'customers:2:read',
      // streaming
      'orders:3:create', 'orders:1:update', 'orders:1:update', 'orders:2:delete', 'customers:3:create',
      // after the ALTER
      'orders:4:create', 'orders:3:update',
      // after the task restart (alpha only)
      ...(id === alpha ? ['orders:5:create', 'orders:4:update'] : []),
      // while the worker was down
      'orders:6:create', 'orders:4:update', 'orders:3:delete',
    ].sort();
    for (const id of tenants) {
      const mine = events.filter((e) => e.tenant === id);
      expect(mine.map((e) => `${e.table}:${e.key.id}:${e.op}`).sort()).toEqual(expected(id));
    }
    const ids = events.map((e) => e.eventId);
    expect(new Set(ids).size, 'no eventId twice').toBe(ids.length);
    expect(events).toHaveLength(expected(alpha).length + expected(beta).length);

    // the raw change topics: what Debezium wrote, before the processor
    const raw: string[] = [];
    for (const id of tenants) for (const table of ['orders', 'customers']) raw.push(...(await consumeAll(`${id}.${dbOf(id)}.${table}`, { idleMs: 2000 })).map((r) => r.value ?? ''));
    const everything = [...raw, ...events.map((e) => e.raw)].join('\n');
    for (const secret of ['078-05-1120', '219-09-9999', '111-22-3333', 'ann@example.com', 'bob@example.com', '555 0101', '"ssn"']) expect(everything).not.toContain(secret);
  });

  test('each MariaDB tenant heartbeats into a topic of its own, and Debezium\'s metrics carry plugin mariadb and the tenant', async () => {
    const topics = await withAdmin((admin) => admin.listTopics());
    for (const id of tenants) {
      expect(topics).toContain(`__debezium-heartbeat.${id}`);
      expect(topics).toContain(`${id}.schema-history`);
    }
    expect(topics).not.toContain(`__debezium-heartbeat.${connectName}`);
    const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (const id of tenants) {
      // what the streaming-lag alert reads, from the MBean debezium.mariadb:type=connector-metrics,context=streaming,server=<id>,tenant=<id>
      for (const metric of ['debezium_metrics_millisecondsbehindsource', 'debezium_metrics_millisecondssincelastevent']) {
        expect(scrape).toMatch(new RegExp(`^${metric}\\{[^}]*context="streaming"[^}]*\\}`, 'm'));
        expect(scrape).toMatch(new RegExp(`^${metric}\\{(?=[^}]*plugin="mariadb")(?=[^}]*tenant="${id}")(?=[^}]*name="${id}")[^}]*\\}`, 'm'));
      }
      // what the snapshot alert reads (a restarted task's snapshot metrics start again from zero: it took no snapshot)
      for (const metric of ['debezium_metrics_snapshotrunning', 'debezium_metrics_snapshotdurationinseconds']) {
        expect(scrape).toMatch(new RegExp(`^${metric}\\{(?=[^}]*plugin="mariadb")(?=[^}]*context="snapshot")(?=[^}]*tenant="${id}")[^}]*\\} `, 'm'));
      }
    }
  });

  test('a table added to a running tenant arrives with its history, once by eventId, and a processor restart repeats nothing', async () => {
    const db = dbOf(alpha);
    const user = `${db}_cdc`;
    // the prerequisite (docs/tenants-file.md: The signal table): the signal table, which the connector's user may write
    mariadb.sql(`CREATE TABLE debezium_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL);
      CREATE TABLE refunds (id INT PRIMARY KEY, amount DECIMAL(10,2) NOT NULL);
      INSERT INTO refunds SELECT seq, seq % 100 + 0.5 FROM seq_1_to_3000;
      GRANT INSERT, DELETE ON ${db}.debezium_signal TO '${user}'@'127.0.0.1';`, db);
    const objects = await deploy(tenantsFile([`${db}.refunds`]));
    await connect.reconcile(ofKind(objects, 'KafkaConnector'));
    const env = containerEnvironment(ofKind(objects, 'Deployment')[0], path.join(work, 'processor-pod'));
    const startProcessor = async () => {
      if (processor && processor.child.exitCode === null) {
        processor.kill('SIGTERM');
        await processor.exited;
      }
      processor = new ProcessorProcess({ ...env, ...access.processorEnv, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', TOPIC_REFRESH_MS: '2000', SNAPSHOT_INTERVAL_MS: '1000', SNAPSHOT_RETRY_MS: '3000' });
      await processor.waitStarted();
    };
    await startProcessor();
    mariadb.sql('UPDATE refunds SET amount = 999.99 WHERE id = 2999; DELETE FROM refunds WHERE id = 5;', db);
    const refunds = (e: any) => e.tenant === alpha && e.table === 'refunds';
    await waitFor('the refunds on the final topic', async () => new Set((await finalEvents()).filter(refunds).map((e) => e.key.id)).size >= 3000, 240_000, 3000);
    const events = (await finalEvents()).filter(refunds);
    const byId = new Map(events.map((e) => [e.eventId, e]));
    const reads = [...byId.values()].filter((e) => e.op === 'read');
    expect(new Set(reads.map((e) => e.key.id)).size).toBe(reads.length);
    expect(reads.length).toBeGreaterThan(2990);
    const last = new Map(events.map((e) => [e.key.id, e]));
    expect(last.get(2999).after.amount).toBe('999.99');
    expect(last.get(5)?.op ?? 'delete').toBe('delete');

    const signals = async () => (await consumeAll(`__tenant-cdc-signals.${connectName}`, { idleMs: 1500 })).length;
    const before = await signals();
    await startProcessor();
    mariadb.sql('INSERT INTO refunds VALUES (3001, 1.00);', db);
    await waitFor('a change after the snapshot', async () => (await finalEvents()).some((e) => refunds(e) && e.key.id === 3001), 120_000, 2000);
    expect(await signals()).toBe(before);
    expect((await finalEvents()).filter((e) => refunds(e) && e.op === 'read')).toHaveLength(events.filter((e) => e.op === 'read').length);
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
