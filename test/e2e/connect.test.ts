import { createHash } from 'crypto';
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
import { ConnectRest, connectorConfig, madeUpPassword } from './support/connect';
import { consumeAll, ProcessorProcess, sleep, unique, waitFor, withAdmin } from './support/kafka';
import { TestKafkaAccess, testKafkaAccess } from './support/kafka-access';
import { deploy, startSynthesizedWorker } from './support/deploy';
import { containerEnvironment, ensureNamespace, putSecret, serviceAccountCredentials } from './support/kubernetes';
import { createPostgresTenant, databaseOf } from './support/tenant-database';

/**
 * What tenant-cdc generates, run unchanged on a real Kafka Connect worker with the real Debezium plugins
 * against a real PostgreSQL, through the processor to the final topic. The synthesized objects are applied
 * to a real API server as Argo CD would, and the worker reads every tenant's credentials from its Secret
 * through Strimzi's KubernetesSecretConfigProvider, as the ServiceAccount Strimzi gives Connect: the
 * generated Roles are what lets it. The broker takes SASL_SSL only, with a private CA (kafka.tls.caSecret);
 * Connect and the processor log in as principals of their own with exactly the ACLs the output needs.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-connect-'));
const namespace = `cdc-${unique('e2e').slice(4)}`;
const run = unique('e2e').replace(/-/g, '');
let postgres: { port: number; dir: string; psql: (sql: string, db?: string) => string };
let connect: ConnectRest;
let connectDir: string;
let processor: ProcessorProcess | undefined;

const pgTenants = ['alpha', 'beta', 'gamma'].map((name) => `${run}-${name}`);
/** Connect's and the processor's API keys, made at run time, and the broker's private CA, in Secrets. */
let access: TestKafkaAccess;

function tenantsFile(tenantIds: string[], extra: Partial<TenantsFile> = {}): TenantsFile {
  return {
    namespace,
    kafka: access.kafka,
    connect: { name: `${run}-connect`, replicas: 1, build: { image: 'registry.example.com/connect-debezium:e2e' } },
    processor: { outputTopic: `${run}.events`, kafkaAuth: access.processorAuth },
    // heartbeats every second, so the shared heartbeat topic shows up within the test
    defaults: { database: { kind: 'postgres', host: '127.0.0.1', port: postgres.port }, tables: ['public.orders', 'public.customers'], heartbeatIntervalMs: 1000 },
    tenants: tenantIds.map((id) => ({
      id, database: { name: databaseOf(id) }, credentials: { secret: `${id}-db` },
      // one tenant asks for more partitions than the default 1, to see Connect create them
      ...(id.endsWith('-gamma') && { topicPartitions: 3 }),
    })),
    ...extra,
  };
}

/** A tenant database with a user Debezium can replicate as, two tables and rows that exist before capture. */
function createTenantDatabase(id: string): void {
  createPostgresTenant(postgres, namespace, id, `
    CREATE TABLE public.orders (id int PRIMARY KEY, customer text NOT NULL, total numeric(10,2) NOT NULL);
    CREATE TABLE public.customers (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO public.customers VALUES (1, 'first customer of ${id}'), (2, 'second customer');
    INSERT INTO public.orders VALUES (1, 'c1', 10.50), (2, 'c2', 20.25);`);
}

beforeAll(async () => {
  const port = await freePorts(2);
  postgres = await startPostgres({ port, dir: path.join(work, 'postgres') });
  ensureNamespace(namespace);
  access = testKafkaAccess(namespace, run);
  for (const id of pgTenants) createTenantDatabase(id);
  await deploy(allKindsFile());
  // the ServiceAccount Strimzi creates for the Connect pods, and the token the kubelet would mount
  serviceAccount = serviceAccountCredentials(namespace, `${run}-connect-connect`, path.join(work, 'serviceaccount'));
  // one worker for the whole suite, configured from the KafkaConnect of a file that uses all three kinds
  connectDir = path.join(work, 'connect');
  connectPort = port + 1;
  connect = new ConnectRest((await startWorker()).url);
}, 600_000);

let connectPort: number;
let serviceAccount: { tokenFile: string };

function startWorker(): Promise<{ url: string }> {
  // with the admin's kubectl, the harness also makes what Strimzi's operator makes: the trusted certificates Secret and its Role
  return startSynthesizedWorker(synthPlatform(allKindsFile()), { restPort: connectPort, dir: connectDir, tokenFile: serviceAccount.tokenFile });
}

/** Rolls the processor to the environment of a synthesized Deployment, as Kubernetes would on a change. */
async function rollProcessor(objects: Manifest[]): Promise<string> {
  if (processor && processor.child.exitCode === null) {
    processor.kill('SIGTERM');
    await processor.exited;
  }
  // as the kubelet gives it: the password from its Secret, the CA mounted
  const env = containerEnvironment(ofKind(objects, 'Deployment')[0], path.join(work, 'processor-pod'));
  // only the HTTP port moves off 8080, and topics are looked for every 2 s instead of 30 s
  processor = new ProcessorProcess({ ...env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', TOPIC_REFRESH_MS: '2000' });
  await processor.waitStarted();
  return env.SINK_TOPIC;
}

/** Events on the final topic, parsed, with their Kafka key and headers. */
async function finalEvents(sink: string, options: { count?: number; idleMs?: number; timeoutMs?: number }) {
  return (await consumeAll(sink, options)).map((o) => ({ kafkaKey: o.key, headers: o.headers, ...JSON.parse(o.value!) }));
}

afterAll(async () => {
  if (processor && processor.child.exitCode === null) processor.kill('SIGKILL');
  if (connectDir) await stopConnect({ dir: connectDir });
  if (postgres) await stopPostgres({ dir: postgres.dir });
  // E2E_KEEP=1 keeps the worker's log and the rest for a look after a failure
  if (!process.env.E2E_KEEP) fs.rmSync(work, { recursive: true, force: true });
});

/** SQL Server (alone and in a group) and MySQL tenants with every option, on servers that do not exist. */
function allKindsFile(): TenantsFile {
  return {
    ...tenantsFile(pgTenants),
    masking: { salt: 'e2e-pepper-not-a-secret' },
    sqlServerGroups: [{ name: `${run}-grp`, host: 'sql-group.invalid', credentials: { secret: `${run}-grp-db` }, tasks: 2 }],
    tenants: [
      ...tenantsFile(pgTenants).tenants,
      { id: `${run}-sql`, database: { kind: 'sqlserver', host: 'sql.invalid', port: 14330, name: 'Acme' }, credentials: { secret: `${run}-sql-db`, usernameKey: 'user', passwordKey: 'pass' },
        tables: ['dbo.Orders', { table: 'sales.Invoices', key: ['Id'], include: ['Total', 'Email', 'Notes'], hash: ['Email'], truncate: { Notes: 20 } }],
        snapshotMode: 'when_needed', state: 'paused' },
      { id: `${run}-my`, database: { kind: 'mysql', host: 'mysql.invalid', name: 'hooli' }, credentials: { secret: `${run}-my-db` },
        tables: [{ table: 'hooli.orders', key: ['id'], exclude: ['card_number'], asterisks: { phone: 4 } }], snapshotMode: 'no_data' },
      ...['GroupA', 'GroupB', 'GroupC'].map((name) => ({ id: `${run}-${name.toLowerCase()}`, group: `${run}-grp`, database: { name }, tables: ['dbo.Orders'] })),
    ],
  };
}

describe('generated connectors on a real Kafka Connect worker with Debezium 3.6.1', () => {
  test('the plugin set resolved from the KafkaConnect spec.build loads in Connect', async () => {
    const plugins = (await connect.request('GET', '/connector-plugins')).body.map((p: any) => p.class);
    expect(plugins).toEqual(expect.arrayContaining([
      'io.debezium.connector.sqlserver.SqlServerConnector', 'io.debezium.connector.postgresql.PostgresConnector', 'io.debezium.connector.mysql.MySqlConnector',
    ]));
  });

  test('SQL Server (alone and grouped) and MySQL configs, column rules included, pass validation on the real plugins, but for the unreachable servers', async () => {
    putSecret(namespace, `${run}-sql-db`, { user: 'sa', pass: madeUpPassword() });
    putSecret(namespace, `${run}-my-db`, { username: 'debezium', password: madeUpPassword() });
    putSecret(namespace, `${run}-grp-db`, { username: 'cdc', password: madeUpPassword() });
    const connectors = ofKind(synthPlatform(allKindsFile()), 'KafkaConnector').filter((c) => !c.spec.class.includes('postgresql'));
    expect(connectors.map((c) => c.metadata.name).sort()).toEqual([`${run}-grp`, `${run}-my`, `${run}-sql`]);
    expect(connectors.find((c) => c.metadata.name === `${run}-grp`)!.spec).toMatchObject({ tasksMax: 2, config: { 'database.names': 'GroupA,GroupB,GroupC' } });
    // column rules reach the plugins as Debezium's own keys
    expect(Object.keys(connectors.find((c) => c.metadata.name === `${run}-sql`)!.spec.config)).toEqual(expect.arrayContaining([
      'column.include.list', 'column.mask.hash.v2.SHA-256.with.salt.e2e-pepper-not-a-secret', 'column.truncate.to.20.chars']));
    expect(Object.keys(connectors.find((c) => c.metadata.name === `${run}-my`)!.spec.config)).toEqual(expect.arrayContaining(['column.exclude.list', 'column.mask.with.4.chars']));
    for (const connector of connectors) {
      const errors = await connect.validate(connectorConfig(connector));
      // only the connection can fail: no such host
      expect(errors.length, JSON.stringify(errors)).toBeGreaterThan(0);
      for (const error of errors) expect(error).toMatch(/^(database\.hostname|database\.port|database\.user|database\.password): .*(connect|Connect|host|Host|resolve|TCP\/IP|Communications link)/);
    }
  });

  test('the same validation reports a deliberately broken config', async () => {
    const sql = ofKind(synthPlatform(allKindsFile()), 'KafkaConnector').find((c) => c.spec.class.includes('sqlserver'))!;
    const broken = { ...connectorConfig(sql), 'snapshot.mode': 'schema_only', 'max.queue.size': '10', 'max.batch.size': '100' };
    delete (broken as Record<string, string>)['database.names'];
    const errors = (await connect.validate(broken)).join('\n');
    expect(errors).toMatch(/snapshot\.mode: /);
    expect(errors).toMatch(/database\.names: /);
    expect(errors).toMatch(/max\.queue\.size: /);
  });

  test('PostgreSQL tenants: snapshot and every change arrive on the final topic, by tenant, in row order', async () => {
    const objects = await deploy(tenantsFile(pgTenants));
    for (const connector of ofKind(objects, 'KafkaConnector')) await connect.apply(connector);
    for (const id of pgTenants) {
      await waitFor(`${id} running`, async () => (await connect.status(id))?.tasks?.[0]?.state === 'RUNNING', 120_000, 500);
    }

    // the processor with the environment the synthesized Deployment carries
    const sink = await rollProcessor(objects);

    for (const id of pgTenants) {
      const db = databaseOf(id);
      postgres.psql(`INSERT INTO public.orders VALUES (3, 'c3', 30.00);
        UPDATE public.orders SET total = 11.75 WHERE id = 1;
        UPDATE public.orders SET total = 12.00 WHERE id = 1;
        DELETE FROM public.orders WHERE id = 2;
        INSERT INTO public.customers VALUES (3, 'third');`, db);
    }
    // per tenant: 4 snapshot reads, then create, 2 updates, delete, create
    const expectedCount = pgTenants.length * 9;
    const events = await finalEvents(sink, { count: expectedCount, timeoutMs: 180_000 });
    expect(events).toHaveLength(expectedCount);
    for (const id of pgTenants) {
      const mine = events.filter((e) => e.tenant === id);
      const ops = (table: string, rowId: number) => mine.filter((e) => e.table === table && e.key.id === rowId).map((e) => e.op);
      expect(ops('orders', 1)).toEqual(['read', 'update', 'update']);
      expect(ops('orders', 2)).toEqual(['read', 'delete']);
      expect(ops('orders', 3)).toEqual(['create']);
      expect(ops('customers', 1)).toEqual(['read']);
      expect(ops('customers', 3)).toEqual(['create']);
      const last = mine.filter((e) => e.table === 'orders' && e.key.id === 1).pop();
      expect(last.after).toEqual({ id: 1, customer: 'c1', total: '12.00' });
      expect(last).toMatchObject({ database: databaseOf(id), schema: 'public', source: { connector: 'postgresql', snapshot: false } });
      expect(last.headers).toEqual({ 'cdc-tenant': id, 'cdc-table': 'public.orders', 'cdc-op': 'update' });
      expect(last.kafkaKey).toBe(`${id}:public.orders:{"id":1}`);
    }
  });

  test('Connect creates the change topics with the partitions the output asks for, and one heartbeat topic per cluster', async () => {
    const objects = synthPlatform(tenantsFile(pgTenants));
    const asked = new Map(ofKind(objects, 'KafkaConnector').map((c) => [c.metadata.name, Number(c.spec.config['topic.creation.default.partitions'])]));
    expect([...asked.values()].sort()).toEqual([1, 1, 3]);
    const heartbeat = `__debezium-heartbeat.${run}-connect`;
    await waitFor('the shared heartbeat topic', async () => (await withAdmin((admin) => admin.listTopics())).includes(heartbeat), 60_000, 1000);
    const topics = await withAdmin((admin) => admin.listTopics());
    for (const id of pgTenants) {
      const mine = topics.filter((t) => t.startsWith(`${id}.public.`)).sort();
      expect(mine).toEqual([`${id}.public.customers`, `${id}.public.orders`]);
      const metadata = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: mine }));
      for (const topic of metadata.topics) expect(topic.partitions, topic.name).toHaveLength(asked.get(id)!);
      // no heartbeat topic of its own
      expect(topics).not.toContain(`__debezium-heartbeat.${id}`);
    }
  });

  test('a connector naming a Secret no generated Role grants is refused with a 403, and the other tenants keep streaming', async () => {
    const rogue = `${run}-rogue`;
    createTenantDatabase(rogue);
    // a Secret with valid credentials, but not the tenant's: no Role names it
    const ungranted = `${run}-ungranted`;
    putSecret(namespace, ungranted, { username: `${databaseOf(rogue)}_cdc`, password: madeUpPassword() });
    const file = tenantsFile([...pgTenants, rogue]);
    const connector = ofKind(await deploy(file), 'KafkaConnector').find((c) => c.metadata.name === rogue)!;
    const config = Object.fromEntries(Object.entries(connectorConfig(connector)).map(([k, v]) => [k, v.replace(`${namespace}/${rogue}-db:`, `${namespace}/${ungranted}:`)]));
    expect(JSON.stringify(config)).toContain(`\${secrets:${namespace}/${ungranted}:password}`);

    // what Strimzi's operator sends for a KafkaConnector; the answer goes into the KafkaConnector's status
    const put = await connect.request('PUT', `/connectors/${rogue}/config`, config);
    expect(put.status).toBe(500);
    expect(put.body.message).toBe(`Failed to retrieve Secret ${ungranted} from Kubernetes namespace ${namespace}`);
    expect((await connect.request('GET', `/connectors/${rogue}`)).status).toBe(404);
    // the provider logs the API server's answer (Connect's message drops the cause): the 403 of the RBAC
    const log = fs.readFileSync(path.join(connectDir, 'worker.log'), 'utf8');
    expect(log).toContain(`secrets "${ungranted}" is forbidden: User "system:serviceaccount:${namespace}:${run}-connect-connect" cannot get resource "secrets"`);
    expect(log).toMatch(new RegExp(`/secrets/${ungranted}\\. Message: .*code=403`));

    // the others keep streaming
    for (const id of pgTenants) postgres.psql(`INSERT INTO public.orders VALUES (50, 'during the rogue', 5.00)`, databaseOf(id));
    await waitFor('the other tenants\' changes', async () => {
      const events = await finalEvents(`${run}.events`, { idleMs: 3000 });
      return pgTenants.every((id) => events.some((e) => e.tenant === id && e.key.id === 50));
    }, 120_000, 2000);
    for (const id of pgTenants) expect((await connect.status(id)).tasks[0].state).toBe('RUNNING');
  });

  describe('tenant lifecycle, reconciled as Strimzi does', () => {
    const [alpha, beta, gamma] = pgTenants;
    const delta = `${run}-delta`;
    const sink = `${run}.events`;
    const insertOrder = (id: string, orderId: number) => postgres.psql(`INSERT INTO public.orders VALUES (${orderId}, 'lifecycle', 1.00)`, databaseOf(id));
    const arrived = async (id: string, orderId: number, timeoutMs: number) => {
      const events = await finalEvents(sink, { idleMs: Math.min(timeoutMs, 4000), timeoutMs });
      return events.some((e) => e.tenant === id && e.table === 'orders' && e.key.id === orderId);
    };
    /** The connector's state once its tasks agree: a paused connector reports PAUSED before its task is. */
    const connectorState = async (id: string) => {
      const status = await connect.status(id);
      const tasks: string[] = (status?.tasks ?? []).map((t: any) => t.state);
      const state = status?.connector?.state;
      if (state === 'STOPPED') return tasks.length === 0 ? state : 'STOPPING';
      return tasks.length > 0 && tasks.every((t) => t === state) ? state : 'CHANGING';
    };

    test('a tenant added to the file starts capturing, snapshot first', async () => {
      createTenantDatabase(delta);
      const objects = await deploy(tenantsFile([...pgTenants, delta]));
      await connect.reconcile(ofKind(objects, 'KafkaConnector'));
      await rollProcessor(objects);
      await waitFor(`${delta} snapshot on the final topic`, async () => (await finalEvents(sink, { idleMs: 3000 }))
        .filter((e) => e.tenant === delta && e.op === 'read').length === 4, 120_000, 2000);
    });

    test('state paused stops the flow and running resumes it; stopped does the same', async () => {
      for (const state of ['paused', 'stopped'] as const) {
        const paused = tenantsFile([...pgTenants, delta]);
        paused.tenants = paused.tenants.map((t) => (t.id === alpha ? { ...t, state } : t));
        await connect.reconcile(ofKind(await deploy(paused), 'KafkaConnector'));
        await waitFor(`${alpha} ${state}`, async () => (await connectorState(alpha)) === state.toUpperCase(), 60_000, 500);
        const orderId = state === 'paused' ? 100 : 101;
        insertOrder(alpha, orderId);
        await sleep(5000);
        expect(await arrived(alpha, orderId, 3000)).toBe(false);

        await connect.reconcile(ofKind(await deploy(tenantsFile([...pgTenants, delta])), 'KafkaConnector'));
        await waitFor(`${alpha} running`, async () => (await connectorState(alpha)) === 'RUNNING', 60_000, 500);
        await waitFor(`order ${orderId} of ${alpha}`, () => arrived(alpha, orderId, 5000), 120_000, 1000);
      }
    });

    test('a removed tenant\'s connector is deleted', async () => {
      await connect.reconcile(ofKind(await deploy(tenantsFile([alpha, beta, delta])), 'KafkaConnector'));
      expect((await connect.request('GET', `/connectors/${gamma}`)).status).toBe(404);
      expect(((await connect.request('GET', '/connectors')).body as string[]).sort()).toEqual([alpha, beta, delta].sort());
    });

    test('a restarted worker resumes from the stored offsets without a new snapshot', async () => {
      const readsBefore = (await finalEvents(sink, { idleMs: 3000 })).filter((e) => e.tenant === beta && e.op === 'read').length;
      await stopConnect({ dir: connectDir });
      insertOrder(beta, 200);
      connect = new ConnectRest((await startWorker()).url);
      await waitFor(`${beta} running again`, async () => (await connect.status(beta))?.tasks?.[0]?.state === 'RUNNING', 120_000, 1000);
      await waitFor(`order 200 of ${beta}`, () => arrived(beta, 200, 5000), 120_000, 1000);
      const events = await finalEvents(sink, { idleMs: 3000 });
      expect(events.filter((e) => e.tenant === beta && e.op === 'read')).toHaveLength(readsBefore);
      expect(events.filter((e) => e.tenant === beta && e.key.id === 200).map((e) => e.op)).toEqual(['create']);
    });

    test('a rotated password is read again when credentials.version changes: only that tenant\'s connector restarts', async () => {
      // which backend serves each tenant's replication slot, and since when
      const slotBackends = () => new Map(postgres.psql(`SELECT s.slot_name, a.pid || '@' || a.backend_start FROM pg_replication_slots s
        JOIN pg_stat_activity a ON a.pid = s.active_pid`).trim().split('\n').map((line) => line.split('|') as [string, string]));
      const slotOf = (id: string) => `dbz_${databaseOf(id)}`;
      await waitFor('every slot in use', () => [alpha, beta, delta].every((id) => slotBackends().has(slotOf(id))), 60_000, 500);
      const before = slotBackends();

      const user = `${databaseOf(beta)}_cdc`;
      const rotated = madeUpPassword();
      postgres.psql(`ALTER USER ${user} PASSWORD '${rotated}'`);
      putSecret(namespace, `${beta}-db`, { username: user, password: rotated });
      // the tenants file gets credentials.version: 2 for beta; Strimzi sees a config change and updates the connector
      const file = tenantsFile([alpha, beta, delta]);
      file.tenants = file.tenants.map((t) => (t.id === beta ? { ...t, credentials: { ...t.credentials, version: 2 } } : t));
      const connectors = ofKind(await deploy(file), 'KafkaConnector');
      expect(connectors.find((c) => c.metadata.name === beta)!.spec.config['tenant-cdc.credentials.version']).toBe('2');
      await connect.reconcile(connectors);

      // beta reconnected (the old password no longer logs in, so the new one did); the others never did
      await waitFor(`${beta} on a new backend`, () => {
        const now = slotBackends();
        return now.has(slotOf(beta)) && now.get(slotOf(beta)) !== before.get(slotOf(beta));
      }, 120_000, 500);
      await waitFor(`${beta} running`, async () => (await connect.status(beta))?.tasks?.[0]?.state === 'RUNNING', 60_000, 500);
      insertOrder(beta, 300);
      await waitFor(`order 300 of ${beta}`, () => arrived(beta, 300, 5000), 120_000, 1000);
      const after = slotBackends();
      for (const id of [alpha, delta]) expect(after.get(slotOf(id)), `${id} was not restarted`).toBe(before.get(slotOf(id)));
      expect(fs.readFileSync(path.join(connectDir, 'worker.log'), 'utf8')).not.toMatch(/password authentication failed/);
    });

    test('column rules: an excluded column never reaches Kafka; hashed, asterisk and truncated columns arrive as declared', async () => {
      const pii = `${run}-pii`;
      createTenantDatabase(pii);
      const db = databaseOf(pii);
      postgres.psql(`SET ROLE ${db}_cdc;
        ALTER TABLE public.customers ADD COLUMN email text, ADD COLUMN ssn text, ADD COLUMN phone text, ADD COLUMN notes text;
        UPDATE public.customers SET email = 'ann@example.com', ssn = '078-05-1120', phone = '+41 44 555 0101', notes = 'prefers mornings' WHERE id = 1;
        UPDATE public.customers SET email = 'bob@example.com', ssn = '219-09-9999', phone = '+41 44 555 0102', notes = 'no calls' WHERE id = 2;`, db);
      // a pepper, not a credential (it lands in the output); made up here anyway
      const salt = `salt-${madeUpPassword()}`;
      const file = tenantsFile([alpha, beta, delta, pii], { masking: { salt } });
      file.tenants = file.tenants.map((t) => (t.id === pii ? { ...t, tables: ['public.orders',
        { table: 'public.customers', key: ['id'], exclude: ['ssn'], hash: ['email'], asterisks: { phone: 4 }, truncate: { notes: 5 } }] } : t));
      const objects = await deploy(file);
      await connect.reconcile(ofKind(objects, 'KafkaConnector'));
      await rollProcessor(objects);
      await waitFor(`${pii} running`, async () => (await connect.status(pii))?.tasks?.[0]?.state === 'RUNNING', 120_000, 500);
      // after the snapshot: a new customer sharing ann's address, and a change of bob's
      await waitFor(`${pii} snapshot`, async () => (await consumeAll(`${pii}.public.customers`, { idleMs: 2000, timeoutMs: 10_000 })).length >= 2, 120_000, 1000);
      postgres.psql(`INSERT INTO public.customers VALUES (3, 'carla', 'ann@example.com', '111-22-3333', '+41 44 555 0103', 'twin address');
        UPDATE public.customers SET notes = 'calls after 5' WHERE id = 2;`, db);

      const hash = (value: string) => createHash('sha256').update(salt).update(value).digest('hex');
      const raw = await consumeAll(`${pii}.public.customers`, { count: 4, timeoutMs: 120_000 });
      const final = (await finalEvents(sink, { idleMs: 3000 })).filter((e) => e.tenant === pii && e.table === 'customers');
      expect(raw.length).toBeGreaterThanOrEqual(4);
      expect(final.length).toBeGreaterThanOrEqual(4);
      const rows = [...raw.map((r) => JSON.parse(r.value!).after), ...final.map((e) => e.after)];
      for (const row of rows) {
        expect(Object.keys(row).sort()).toEqual(['email', 'id', 'name', 'notes', 'phone']);
        expect(row.phone).toBe('****');
        expect(row.email).toMatch(/^[0-9a-f]{64}$/);
      }
      const byId = (id: number) => final.filter((e) => e.key.id === id).map((e) => e.after);
      expect(byId(1)[0]).toMatchObject({ email: hash('ann@example.com'), notes: 'prefe' });
      expect(byId(2).map((r) => r.notes)).toEqual(['no ca', 'calls']);
      // the same address gives the same hash: joins on it still work
      expect(byId(3)[0].email).toBe(byId(1)[0].email);
      // the values themselves are nowhere in Kafka, raw or final
      const everything = [...raw.map((r) => r.value), ...(await consumeAll(sink, { idleMs: 3000 })).map((r) => r.value)].join('\n');
      for (const secret of ['078-05-1120', '219-09-9999', '111-22-3333', 'ann@example.com', 'bob@example.com', '555 0101']) expect(everything).not.toContain(secret);
    });

    // Debezium's MaskStrings masks CHAR, VARCHAR and the other character JDBC types only: a citext (JDBC OTHER) or a
    // number passes through, so the processor must mask them; the varchar columns beside them carry what Debezium
    // itself writes, for a byte-for-byte comparison. A domain over text is read as its base type, and masked by Debezium.
    test('masks Debezium did not apply (citext, a number) never reach the final topic in clear: the processor applies Debezium\'s own', async () => {
      const masked = `${run}-masked`;
      createTenantDatabase(masked);
      const db = databaseOf(masked);
      postgres.psql('CREATE EXTENSION IF NOT EXISTS citext', db);
      postgres.psql(`SET ROLE ${db}_cdc;
        CREATE DOMAIN public.email_address AS text CHECK (VALUE LIKE '%@%');
        ALTER TABLE public.customers ADD COLUMN email citext, ADD COLUMN email_ref varchar(200), ADD COLUMN contact public.email_address,
          ADD COLUMN ssn numeric(9,0), ADD COLUMN phone citext, ADD COLUMN phone_ref varchar(40), ADD COLUMN fax varchar(40);
        UPDATE public.customers SET email = 'Zoë.Ann@Example.com', email_ref = 'Zoë.Ann@Example.com', contact = 'Zoë.Ann@Example.com', ssn = 78051120,
          phone = '+41 44 555 0101', phone_ref = '+41 44 555 0101', fax = NULL WHERE id = 1;
        UPDATE public.customers SET email = 'bob@example.com', email_ref = 'bob@example.com', contact = 'bob@example.com', ssn = 219099999,
          phone = '+41 44 555 0102', phone_ref = '+41 44 555 0102', fax = '+41 44 555 0199' WHERE id = 2;`, db);
      const salt = `salt-${madeUpPassword()}`;
      const file = tenantsFile([masked], { masking: { salt } });
      file.tenants = file.tenants.map((t) => ({ ...t, tables: ['public.orders',
        { table: 'public.customers', key: ['id'], hash: ['email', 'email_ref', 'contact', 'ssn'], asterisks: { phone: 4, phone_ref: 4, fax: 4 } }] }));
      const objects = await deploy(file);
      await connect.reconcile(ofKind(objects, 'KafkaConnector'));
      const sink = await rollProcessor(objects);
      await waitFor(`${masked} running`, async () => (await connect.status(masked))?.tasks?.[0]?.state === 'RUNNING', 120_000, 500);
      // the topic exists once Connect created it for the snapshot's first row
      await waitFor(`${masked} snapshot`, async () => (await consumeAll(`${masked}.public.customers`, { idleMs: 2000, timeoutMs: 10_000 }).catch(() => [])).length >= 2, 120_000, 1000);
      postgres.psql(`UPDATE public.customers SET email = 'Carla@Example.com', email_ref = 'Carla@Example.com', contact = 'Carla@Example.com', ssn = 111223333,
        phone = '+41 44 555 0103', phone_ref = '+41 44 555 0103' WHERE id = 2;`, db);

      const raw = (await consumeAll(`${masked}.public.customers`, { count: 3, timeoutMs: 120_000 })).map((r) => JSON.parse(r.value!));
      let final: any[] = [];
      await waitFor(`${masked}'s three customer events on the final topic`, async () => {
        final = (await finalEvents(sink, { idleMs: 3000 })).filter((e) => e.tenant === masked && e.table === 'customers');
        return final.length >= 3;
      }, 120_000, 1000);
      expect(raw).toHaveLength(3);
      expect(final).toHaveLength(3);
      // what Debezium did: the varchar columns hashed and masked (a null too), the others in clear on the raw topic
      const ann = raw.find((r) => r.after.id === 1).after;
      expect(ann).toMatchObject({ email: 'Zoë.Ann@Example.com', ssn: '78051120', phone: '+41 44 555 0101', phone_ref: '****', fax: '****' });
      expect(ann.email_ref).toMatch(/^[0-9a-f]{64}$/);
      // the domain over text: Debezium resolves it to text and hashes it, snapshot and stream alike
      for (const { after } of raw) expect(after.contact).toBe(after.email_ref);
      // what the processor did: every declared mask in place, each hash the one Debezium gave the same value in the varchar beside it
      for (const event of final) {
        for (const row of [event.before, event.after].filter(Boolean)) {
          expect(row.email).toBe(row.email_ref);
          expect(row.contact).toBe(row.email_ref);
          expect(row).toMatchObject({ phone: '****', phone_ref: '****', fax: '****' });
          expect(row.ssn).toMatch(/^[0-9a-f]{64}$/);
        }
      }
      const rawRef = (id: number) => raw.filter((r) => r.after.id === id).map((r) => r.after.email_ref);
      expect(final.filter((e) => e.key.id === 1).map((e) => e.after.email)).toEqual(rawRef(1));
      expect(final.filter((e) => e.key.id === 2).map((e) => e.after.email)).toEqual(rawRef(2));
      // Debezium's hash of the varchar is the hex SHA-256 of salt + value (UTF-8), so the processor's is too
      expect(ann.email_ref).toBe(createHash('sha256').update(`${salt}Zoë.Ann@Example.com`, 'utf8').digest('hex'));
      expect(final.find((e) => e.key.id === 1).after.ssn).toBe(createHash('sha256').update(`${salt}78051120`).digest('hex'));
      // no clear value in the final topic
      const everything = (await consumeAll(sink, { idleMs: 3000 })).map((r) => r.value!).filter((v) => v.includes(`"tenant":"${masked}"`)).join('\n');
      expect(everything).toContain(ann.email_ref);
      for (const clear of ['Example.com', 'example.com', '78051120', '219099999', '111223333', '555 01']) expect(everything).not.toContain(clear);
      // counted, by column, for the alert
      const scrape = async () => (await fetch(`http://127.0.0.1:${processor!.httpPort}/metrics`)).text();
      await waitFor('the masks counted', async () => (await scrape()).includes('column="ssn"'), 30_000, 500);
      const metrics = await scrape();
      for (const column of ['email', 'ssn']) {
        expect(metrics).toMatch(new RegExp(`tenant_cdc_masks_applied_total\\{tenant="${masked}",table="public.customers",column="${column}",rule="hash"\\} [1-9]`));
      }
      expect(metrics).toMatch(new RegExp(`tenant_cdc_masks_applied_total\\{tenant="${masked}",table="public.customers",column="phone",rule="asterisks"\\} [1-9]`));
      expect(metrics).not.toMatch(/column="(email_ref|contact|phone_ref|fax)"/);
    });
  });
});
