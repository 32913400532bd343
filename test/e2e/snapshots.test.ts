import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TenantsFile } from '../../src';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../../scripts/ports.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { startPostgres, stopConnect, stopPostgres } from '../../scripts/stack.mjs';
import type { Manifest } from '../support/synth';
import { ofKind, synthPlatform } from '../support/synth';
import { ConnectRest } from './support/connect';
import { consumeAll, kafka, ProcessorProcess, sleep, unique, waitFor } from './support/kafka';
import { TestKafkaAccess, testKafkaAccess } from './support/kafka-access';
import { deploy, startSynthesizedWorker } from './support/deploy';
import { containerEnvironment, ensureNamespace, serviceAccountCredentials } from './support/kubernetes';
import { createPostgresTenant, databaseOf } from './support/tenant-database';

/**
 * A table added to a running PostgreSQL tenant arrives with its history: the generated connector, on a real
 * worker with Debezium 3.6.1, and the processor's snapshot reconciler, both with exactly the emitted ACLs on
 * the SASL_SSL broker. Nobody sends a signal: the tests change the tenants file and apply what it
 * synthesizes, as Argo CD and Strimzi would.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-snapshots-'));
const namespace = `cdc-${unique('e2e').slice(4)}`;
const run = unique('e2e').replace(/-/g, '');
const tenant = `${run}-snap`;
const db = databaseOf(tenant);
const sink = `${run}.events`;
const connectName = `${run}-connect`;
/** Rows of public.refunds before it is captured: enough chunks (1024 rows each) to restart the worker in the middle. */
const REFUND_ROWS = 100_000;
let postgres: { port: number; dir: string; psql: (sql: string, db?: string) => string };
let connect: ConnectRest;
let connectDir: string;
let connectPort: number;
let serviceAccount: { tokenFile: string };
let processor: ProcessorProcess | undefined;
let access: TestKafkaAccess;

function tenantsFile(tables: string[]): TenantsFile {
  return {
    namespace,
    kafka: access.kafka,
    connect: { name: connectName, replicas: 1, build: { image: 'registry.example.com/connect-debezium:e2e' } },
    processor: { outputTopic: sink, kafkaAuth: access.processorAuth },
    tenants: [{ id: tenant, database: { kind: 'postgres', host: '127.0.0.1', port: postgres.port, name: db }, credentials: { secret: `${tenant}-db` }, tables, heartbeatIntervalMs: 1000 }],
  };
}

function startWorker(objects: Manifest[]): Promise<{ url: string }> {
  return startSynthesizedWorker(objects, { restPort: connectPort, dir: connectDir, tokenFile: serviceAccount.tokenFile });
}

/** The processor with the environment of the synthesized Deployment; only ports and intervals shortened. */
async function rollProcessor(objects: Manifest[]): Promise<void> {
  if (processor && processor.child.exitCode === null) {
    processor.kill('SIGTERM');
    await processor.exited;
  }
  const env = containerEnvironment(ofKind(objects, 'Deployment')[0], path.join(work, 'processor-pod'));
  processor = new ProcessorProcess({ ...env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', TOPIC_REFRESH_MS: '2000', SNAPSHOT_INTERVAL_MS: '1000', SNAPSHOT_RETRY_MS: '3000' });
  await processor.waitStarted();
}

const finalEvents = async (options: { idleMs?: number; timeoutMs?: number } = {}) => (await consumeAll(sink, { idleMs: 3000, ...options })).map((o) => JSON.parse(o.value!));
const notifications = async () => (await consumeAll(`__tenant-cdc-notifications.${connectName}`, { idleMs: 1500 })).map((o) => {
  const value = JSON.parse(o.value!);
  return value.payload ?? value;
});
const signals = async () => (await consumeAll(`__tenant-cdc-signals.${connectName}`, { idleMs: 1500 })).map((o) => ({ key: o.key, ...JSON.parse(o.value!) }));

beforeAll(async () => {
  const port = await freePorts(2);
  postgres = await startPostgres({ port, dir: path.join(work, 'postgres') });
  ensureNamespace(namespace);
  access = testKafkaAccess(namespace, run);
  // the prerequisite (docs/tenants-file.md: The signal table): the signal table Debezium writes its watermarks to
  createPostgresTenant(postgres, namespace, tenant, `
    CREATE TABLE public.debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048));
    CREATE TABLE public.orders (id int PRIMARY KEY, total numeric(10,2) NOT NULL);
    CREATE TABLE public.refunds (id int PRIMARY KEY, amount numeric(10,2) NOT NULL, note text NOT NULL);
    INSERT INTO public.orders VALUES (1, 10.50), (2, 20.25);
    INSERT INTO public.refunds SELECT i, i % 1000 + 0.25, 'before capture' FROM generate_series(1, ${REFUND_ROWS}) AS i;`);
  const objects = await deploy(tenantsFile(['public.orders']));
  serviceAccount = serviceAccountCredentials(namespace, `${connectName}-connect`, path.join(work, 'serviceaccount'));
  connectDir = path.join(work, 'connect');
  connectPort = port + 1;
  connect = new ConnectRest((await startWorker(objects)).url);
}, 600_000);

afterAll(async () => {
  if (processor && processor.child.exitCode === null) processor.kill('SIGKILL');
  if (connectDir) await stopConnect({ dir: connectDir });
  if (postgres) await stopPostgres({ dir: postgres.dir });
  if (!process.env.E2E_KEEP) fs.rmSync(work, { recursive: true, force: true });
});

describe('a table added to a running PostgreSQL tenant', () => {
  let before: Manifest[];
  let after: Manifest[];

  test('the tenant streams public.orders; the reconciler takes it as the baseline and signals nothing', async () => {
    before = synthPlatform(tenantsFile(['public.orders']));
    await connect.apply(ofKind(before, 'KafkaConnector')[0]);
    await waitFor('running', async () => (await connect.status(tenant))?.tasks?.[0]?.state === 'RUNNING', 120_000, 500);
    await rollProcessor(before);
    await waitFor('the orders snapshot', async () => (await finalEvents()).filter((e) => e.table === 'orders').length >= 2, 120_000, 1000);
    await sleep(3000);
    expect(await signals()).toEqual([]);
  });

  test('a signal read by the task still on the old config snapshots nothing and is sent again; the new task snapshots the table', async () => {
    after = await deploy(tenantsFile(['public.orders', 'public.refunds']));
    // the processor rolls before Strimzi updates the connector: the worst order
    await rollProcessor(after);
    await waitFor('the first signal answered', async () => (await notifications()).some((n) => n.id.endsWith(':1') && n.type === 'COMPLETED'), 180_000, 1000);
    const missed = (await notifications()).filter((n) => n.id === `tenant-cdc:${tenant}:public.refunds:1`);
    expect(missed.find((n) => n.type === 'TABLE_SCAN_COMPLETED')?.additional_data.status).toBe('UNKNOWN_SCHEMA');
    expect((await finalEvents()).filter((e) => e.table === 'refunds')).toEqual([]);

    // Strimzi now updates the connector; changes go on meanwhile
    await connect.reconcile(ofKind(after, 'KafkaConnector'));
    postgres.psql(`UPDATE public.refunds SET note = 'changed meanwhile' WHERE id IN (5, 30000, 99999);
      DELETE FROM public.refunds WHERE id IN (7, 40000);
      INSERT INTO public.refunds VALUES (${REFUND_ROWS + 1}, 1.00, 'new meanwhile');`, db);
    // the reconciler signals again until a task on the new config takes it (how many misses depends on timing)
    const scanning = (n: any) => n.type === 'IN_PROGRESS' && n.additional_data.current_collection_in_progress === 'public.refunds';
    // a consumer that stays, so the worker stops right after the scan's first chunk
    const watched: any[] = [];
    const watcher = kafka().consumer({ groupId: unique('e2e-watch') });
    await watcher.connect();
    await watcher.subscribe({ topics: [`__tenant-cdc-notifications.${connectName}`], fromBeginning: true });
    await watcher.run({ eachMessage: async ({ message }) => { const v = JSON.parse(message.value!.toString()); watched.push(v.payload ?? v); } });
    await waitFor('a snapshot of public.refunds in progress', () => watched.some(scanning), 180_000, 50);
    const running = watched.find(scanning)!.id;

    // the worker restarts in the middle of the scan
    const stoppedAt = Date.now();
    await stopConnect({ dir: connectDir });
    await watcher.disconnect();
    postgres.psql(`UPDATE public.refunds SET note = 'changed while the worker was down' WHERE id = 50000;`, db);
    connect = new ConnectRest((await startWorker(after)).url);
    postgres.psql(`UPDATE public.refunds SET note = 'changed during the scan' WHERE id IN (1, 45000, 99000);`, db);
    // an incremental scan that succeeded, and its snapshot's COMPLETED after it (the initial snapshot's
    // notifications from the connector's start are not it: waiting for those raced the scan)
    const incrementalScansDone = (all: any[]) => all.filter((n) => n.type === 'TABLE_SCAN_COMPLETED' && n.additional_data.status === 'SUCCEEDED' && n.aggregate_type === 'Incremental Snapshot');
    await waitFor('the scan done', async () => {
      const all = await notifications();
      return incrementalScansDone(all).some((scan) => all.some((n) => n.id === scan.id && n.type === 'COMPLETED'));
    }, 300_000, 2000);
    // one snapshot did it: the signal that started it, resumed after the restart, not a new one
    const succeeded = incrementalScansDone(await notifications());
    expect(succeeded.map((n) => n.id)).toEqual([running]);
    // and it finished after the worker was stopped: the restart was in the middle of it
    expect((await notifications()).find((n) => n.id === running && n.type === 'COMPLETED').timestamp).toBeGreaterThan(stoppedAt);
  });

  test('every row present before arrives on the final topic exactly once by eventId, and the changes made meanwhile win', async () => {
    // the rows as they are now: the few changed ones read back, the others untouched since before capture
    const changed = new Map(postgres.psql(`SELECT id, note FROM public.refunds WHERE note <> 'before capture'`, db).trim().split('\n')
      .map((line) => line.split('|') as [string, string]).map(([id, note]) => [Number(id), note]));
    const deleted = [7, 40000];
    const expectedRows = new Map<number, string>();
    for (let id = 1; id <= REFUND_ROWS; id++) if (!deleted.includes(id)) expectedRows.set(id, changed.get(id) ?? 'before capture');
    for (const [id, note] of changed) expectedRows.set(id, note);
    expect(Number(postgres.psql('SELECT count(*) FROM public.refunds', db).trim())).toBe(expectedRows.size);
    let events: any[] = [];
    await waitFor('every refund on the final topic', async () => {
      events = (await finalEvents({ idleMs: 5000, timeoutMs: 240_000 })).filter((e) => e.table === 'refunds');
      return new Set(events.map((e) => Number(e.key.id))).size >= expectedRows.size;
    }, 300_000, 3000);
    const byId = new Map<string, any>();
    for (const event of events) if (!byId.has(event.eventId)) byId.set(event.eventId, event);
    const reads = [...byId.values()].filter((e) => e.op === 'read');
    const readsPerRow = new Map<number, number>();
    for (const read of reads) readsPerRow.set(Number(read.key.id), (readsPerRow.get(Number(read.key.id)) ?? 0) + 1);
    // each row read at most once (by eventId); the rows a streamed change superseded in the window need no read
    expect([...readsPerRow.entries()].filter(([, n]) => n > 1)).toEqual([]);
    const unchanged = [...expectedRows].filter(([, note]) => note === 'before capture').map(([id]) => id);
    expect(unchanged.filter((id) => !readsPerRow.has(id))).toEqual([]);
    // the last event of every row is its state in the database; deleted rows end deleted
    const last = new Map<number, any>();
    for (const event of events) last.set(Number(event.key.id), event);
    for (const [id, note] of expectedRows) expect(last.get(id)?.after?.note, `row ${id}`).toBe(note);
    for (const id of deleted) expect(last.get(id)?.op ?? 'deleted before read', `row ${id}`).toMatch(/^(delete|deleted before read)$/);
    expect(reads.length).toBeGreaterThan(REFUND_ROWS - 20);

    // the scan's watermarks reached a raw topic of their own (Debezium captures signal.data.collection beside
    // the listed tables), which the processor reads; it skipped them: no tenant event of the signal table
    const watermarks = (await consumeAll(`${tenant}.public.debezium_signal`, { idleMs: 3000 })).filter((w) => w.value !== null);
    expect(watermarks.length).toBeGreaterThan(0);
    expect(watermarks.map((w) => JSON.parse(w.value!).source.table)).toEqual(watermarks.map(() => 'debezium_signal'));
    expect((await finalEvents()).filter((e) => e.table === 'debezium_signal')).toEqual([]);
    const metrics = await (await fetch(`http://127.0.0.1:${processor!.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/^tenant_cdc_events_skipped_total\{reason="signal-table"\} [1-9]\d*$/m);
  });

  test('a re-sync, a connector restart and a processor restart after it finished repeat nothing', async () => {
    const signalsBefore = (await signals()).length;
    const readsBefore = (await finalEvents()).filter((e) => e.table === 'refunds' && e.op === 'read').length;
    await deploy(tenantsFile(['public.orders', 'public.refunds']));
    await connect.reconcile(ofKind(after, 'KafkaConnector'));
    expect((await connect.request('POST', `/connectors/${tenant}/restart?includeTasks=true`)).status).toBeLessThan(300);
    await rollProcessor(after);
    postgres.psql(`INSERT INTO public.refunds VALUES (${REFUND_ROWS + 2}, 2.00, 'after the snapshot');`, db);
    await waitFor('the change after the snapshot', async () => (await finalEvents()).some((e) => e.table === 'refunds' && Number(e.key.id) === REFUND_ROWS + 2), 120_000, 2000);
    await sleep(5000);
    expect((await signals()).length).toBe(signalsBefore);
    expect((await finalEvents()).filter((e) => e.table === 'refunds' && e.op === 'read').length).toBe(readsBefore);
  });
});
