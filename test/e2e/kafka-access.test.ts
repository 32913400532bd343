import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { TenantsFile } from '../../src';
import { kafkaAclsOf, processorAcls } from '../../src/acls/kafka-acls';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../../scripts/ports.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { startPostgres, stopConnect, stopPostgres } from '../../scripts/stack.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and the benchmarks
import { addKafkaUser } from '../../scripts/kafka-security.mjs';
import { ofKind, synthPlatform } from '../support/synth';
import { ConnectRest, madeUpPassword } from './support/connect';
import {
  applyOutputAcls, clientAs, committed, consumeAll, createTopics, endOffsets, grantAcls, kafkaInfo, KafkaUser, processorFleet, readCommitted, unique, waitFor,
} from './support/kafka';
import { TestKafkaAccess, testKafkaAccess } from './support/kafka-access';
import { deploy, startSynthesizedWorker } from './support/deploy';
import { containerEnvironment, ensureNamespace, putSecret, serviceAccountCredentials } from './support/kubernetes';
import { createPostgresTenant, databaseOf } from './support/tenant-database';

/**
 * The ACLs tenant-cdc emits on the real authorizer (StandardAuthorizer, nothing allowed without an ACL):
 * each principal can do what its clients need and nothing the other's ACLs are for; and what Connect and
 * the processor say when Kafka refuses them: a wrong API secret, a missing ACL.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-access-'));
const namespace = `cdc-${unique('acl').slice(4)}`;
const run = unique('acl').replace(/-/g, '');
const tenant = `${run}-one`;
const processors = processorFleet();
afterEach(processors.stopAll);
let access: TestKafkaAccess;
let postgres: { port: number; dir: string; psql: (sql: string, db?: string) => string };
let connect: ConnectRest;
let connectDir: string;
let restPort: number;

function tenantsFile(tenants: string[]): TenantsFile {
  return {
    namespace,
    kafka: access.kafka,
    connect: { name: `${run}-connect`, replicas: 1, build: { image: 'registry.example.com/connect-debezium:e2e' } },
    processor: { outputTopic: `${run}.events`, kafkaAuth: access.processorAuth },
    defaults: { database: { kind: 'postgres', host: '127.0.0.1', port: postgres.port }, tables: ['public.orders'], heartbeatIntervalMs: 0 },
    tenants: tenants.map((id) => ({ id, database: { name: databaseOf(id) }, credentials: { secret: `${id}-db` } })),
  };
}

function createTenantDatabase(id: string): void {
  createPostgresTenant(postgres, namespace, id, 'CREATE TABLE public.orders (id int PRIMARY KEY, total numeric(10,2) NOT NULL); INSERT INTO public.orders VALUES (1, 10.50);');
}

beforeAll(async () => {
  const port = await freePorts(2);
  restPort = port + 1;
  postgres = await startPostgres({ port, dir: path.join(work, 'postgres') });
  ensureNamespace(namespace);
  access = testKafkaAccess(namespace, run);
  createTenantDatabase(tenant);
  const objects = await deploy(tenantsFile([tenant]));
  // the final topic exists, as the processor (or its administrator) creates it
  await createTopics([{ topic: `${run}.events`, partitions: 1 }, { topic: `${run}.events.dlq` }]);
  const serviceAccount = serviceAccountCredentials(namespace, `${run}-connect-connect`, path.join(work, 'serviceaccount'));
  connectDir = path.join(work, 'connect');
  connect = new ConnectRest((await startSynthesizedWorker(objects, { restPort, dir: connectDir, tokenFile: serviceAccount.tokenFile })).url);
  for (const connector of ofKind(objects, 'KafkaConnector')) await connect.apply(connector);
  await waitFor(`${tenant} running`, async () => (await connect.status(tenant))?.tasks?.[0]?.state === 'RUNNING', 120_000, 500);
  await waitFor(`${tenant}'s snapshot in Kafka`, async () => (await consumeAll(`${tenant}.public.orders`, { idleMs: 1000, timeoutMs: 10_000 }).catch(() => [])).length > 0, 120_000, 1000);
}, 600_000);

afterAll(async () => {
  if (connectDir) await stopConnect({ dir: connectDir });
  if (postgres) await stopPostgres({ dir: postgres.dir });
  fs.rmSync(work, { recursive: true, force: true });
});

/** What the broker answers when `user` tries something: 'ok', or the refusal's message. */
async function attempt(what: () => Promise<unknown>): Promise<string> {
  try {
    await what();
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
}

async function produceAs(user: KafkaUser, topic: string): Promise<string> {
  const producer = clientAs(user).producer({ allowAutoTopicCreation: false, idempotent: false, retry: { retries: 0 } });
  await producer.connect();
  try {
    return await attempt(() => producer.send({ topic, acks: -1, messages: [{ value: 'not allowed' }] }));
  } finally {
    await producer.disconnect();
  }
}

async function topicsVisibleTo(user: KafkaUser): Promise<string[]> {
  const admin = clientAs(user).admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

describe('the emitted ACLs on the real authorizer: enough, and no more', () => {
  test('Connect streamed the tenant\'s snapshot as its own principal; the processor may not write a change topic nor see Connect\'s offsets', async () => {
    const changeTopic = `${tenant}.public.orders`;
    expect(await produceAs(access.processorUser, changeTopic)).toMatch(/Not authorized to access topics/);
    const visible = await topicsVisibleTo(access.processorUser);
    // its own topics, and the tenant's change topics, read by prefix
    expect(visible).toContain(changeTopic);
    expect(visible).toContain(`${run}.events`);
    expect(visible.filter((t) => t.startsWith(`${run}-connect-`))).toEqual([]);
    // nor read Connect's offsets by name
    const consumer = clientAs(access.processorUser).consumer({ groupId: `${run}-connect-processor` });
    await consumer.connect();
    expect(await attempt(() => consumer.subscribe({ topics: [`${run}-connect-offsets`], fromBeginning: true }))).toMatch(/authoriz|does not host|not authorized/i);
    await consumer.disconnect();
  });

  test('Connect may not write, nor even see, the final topic', async () => {
    expect(await produceAs(access.connectUser, `${run}.events`)).toMatch(/Not authorized to access topics/);
    expect(await topicsVisibleTo(access.connectUser)).not.toContain(`${run}.events`);
  });

  test('a principal with no ACLs sees nothing and may do nothing', async () => {
    const stranger = { mechanism: 'plain' as const, username: unique('stranger'), password: madeUpPassword(), principal: '' };
    addKafkaUser(kafkaInfo(), stranger);
    expect(await topicsVisibleTo(stranger)).toEqual([]);
    expect(await produceAs(stranger, `${tenant}.public.orders`)).toMatch(/Not authorized to access topics/);
  });
});

test('no Kafka password reaches the Connect worker\'s log, though each task logs its whole configuration (Debezium masks what it calls sensitive)', () => {
  const log = fs.readFileSync(path.join(connectDir, 'worker.log'), 'utf8');
  expect(log).toMatch(/Starting PostgresConnectorTask with configuration:\n(\s+\S+ = .*\n)+/);
  expect(log).toMatch(/\n\s+database\.password = \*{8}\n/);
  for (const user of [access.connectUser, access.processorUser]) expect(log).not.toContain(user.password);
});

describe('the processor as its own principal, two replicas', () => {
  test('at-least-once and exactly-once, as the synthesized Deployment with its emitted ACLs: every change of the tenant once', async () => {
    const sink = `${run}.events`;
    const objects = synthPlatform(tenantsFile([tenant]));
    const env = containerEnvironment(ofKind(objects, 'Deployment')[0], path.join(work, 'processor-pod'));
    const insert = (from: number, count: number) => postgres.psql(Array.from({ length: count }, (_, i) => `INSERT INTO public.orders VALUES (${from + i}, ${from + i}.25);`).join(' '),
      databaseOf(tenant));
    const idsOf = (values: Array<string | null>) => values.map((v) => JSON.parse(v!)).filter((e) => e.tenant === tenant).map((e) => e.key.id);

    for (const [guarantee, from] of [['at-least-once', 1000], ['exactly-once', 2000]] as const) {
      if (guarantee === 'exactly-once') {
        // what the ACL listing adds for a processor built with processingGuarantee exactly-once: its slots' transactional ids
        await grantAcls(access.processorUser.principal, processorAcls({ groupId: env.KAFKA_GROUP_ID, sourceTopics: [], sourcePrefixes: [], sinkTopic: sink,
          dlqTopic: `${sink}.dlq`, exactlyOnce: true }).filter((g) => g.resource.type === 'transactional-id'));
      }
      const replicas = [0, 1].map(() => processors.start({ ...env, PROCESSING_GUARANTEE: guarantee, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', TOPIC_REFRESH_MS: '2000' }));
      for (const replica of replicas) await replica.waitStarted();
      insert(from, 50);
      const expected = Array.from({ length: 50 }, (_, i) => from + i);
      await waitFor(`${guarantee}: the 50 changes`, async () => idsOf((await consumeAll(sink, { idleMs: 2000 })).map((r) => r.value))
        .filter((id) => id >= from && id < from + 50).length >= 50, 120_000, 1000);
      const values = guarantee === 'exactly-once' ? (await readCommitted(sink)).map((r) => r.value) : (await consumeAll(sink, { idleMs: 3000 })).map((r) => r.value);
      const mine = idsOf(values).filter((id) => id >= from && id < from + 50).sort((a, b) => a - b);
      // at-least-once may repeat a change after a rebalance; exactly-once never
      expect(guarantee === 'exactly-once' ? mine : [...new Set(mine)], guarantee).toEqual(expected);
      for (const replica of replicas) expect(replica.output.some((l) => l.includes('refused'))).toBe(false);
      await processors.stopAll();
    }
  });
});

describe('what the processor says when Kafka refuses it', () => {
  /** The processor of the synthesized Deployment, as the kubelet starts it, on a port the test can ask before it logs in. */
  async function startProcessor(overrides: Record<string, string> = {}) {
    const env = containerEnvironment(ofKind(synthPlatform(tenantsFile([tenant])), 'Deployment')[0], path.join(work, 'processor-pod'));
    const httpPort = String(await freePorts(1));
    const processor = processors.start({ ...env, HTTP_PORT: httpPort, HTTP_HOST: '127.0.0.1', TOPIC_REFRESH_MS: '2000', ...overrides });
    const readyz = async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined))?.status;
    const metrics = async () => (await fetch(`http://127.0.0.1:${httpPort}/metrics`).then((r) => r.text()).catch(() => ''));
    return { processor, readyz, metrics };
  }

  test('a wrong API secret: not ready, one line naming the principal, the broker and its answer; once Kafka takes it, it resumes where it was', async () => {
    const sink = `${run}.events`;
    const group = `${run}-connect-processor`;
    const source = `${tenant}.public.orders`;
    // a first run catches up and commits everything there is
    const first = await startProcessor();
    await first.processor.waitStarted();
    const end = await endOffsets([source]);
    await waitFor('everything committed', async () => (await committed(group, [source])) >= end, 60_000, 500);
    await processors.stopAll();
    const before = (await consumeAll(sink, { idleMs: 2000 })).length;

    // the API secret in the Secret is not the one Kafka knows (a typo, or a key rotated on one side only)
    const wrong = madeUpPassword();
    postgres.psql('INSERT INTO public.orders VALUES (3000, 30.00)', databaseOf(tenant));
    const { processor, readyz, metrics } = await startProcessor({ KAFKA_SASL_PASSWORD: wrong });
    try {
      await waitFor('the refusal in the log', () => processor.output.some((l) => l.includes('refused the processor\'s login')), 60_000);
      // it tried again, and again was refused
      await waitFor('a second refusal counted', async () => Number(/tenant_cdc_kafka_access_refused_total\{kind="authentication"\} (\d+)/.exec(await metrics())?.[1] ?? 0) >= 2, 60_000, 500);
      expect(await readyz()).toBe(503);
      expect(processor.child.exitCode).toBe(null);
      const errors = processor.output.map((l) => JSON.parse(l)).filter((l) => l.level === 'error');
      // one line, however often it tried
      expect(errors.map((l) => l.message)).toEqual([expect.stringMatching(new RegExp(
        `^Kafka at ${kafkaInfo().brokers.replace(/\./g, '\\.')} refused the processor's login as User:${access.processorUser.username} \\(SASL PLAIN user ${access.processorUser.username}\\): `
        + 'SASL PLAIN authentication failed: Authentication failed: Invalid username or password\\. Check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD'))]);

      // Kafka takes the secret now (the key's new secret is active): it logs in by itself and resumes from its offset
      addKafkaUser(kafkaInfo(), { username: access.processorUser.username, password: wrong });
      await processor.waitStarted(120_000);
      await waitFor('ready', async () => (await readyz()) === 200, 60_000, 500);
      // the change made meanwhile, and nothing it had committed before
      const events = (await consumeAll(sink, { count: before + 1, timeoutMs: 60_000 })).map((e) => JSON.parse(e.value!));
      expect(events).toHaveLength(before + 1);
      expect(events[events.length - 1]).toMatchObject({ tenant, key: { id: 3000 } });
    } finally {
      addKafkaUser(kafkaInfo(), { username: access.processorUser.username, password: access.processorUser.password });
    }
  });

  test('a missing ACL: the error names the resource and the ACL to add; granted, the change arrives', async () => {
    const sink = `${run}.events`;
    const before = (await consumeAll(sink, { idleMs: 1000 })).length;
    const writeOnSink = kafkaAclsOf(synthPlatform(tenantsFile([tenant]))).find((p) => p.principal === access.processorUser.principal)!
      .grants.filter((g) => g.resource.name === sink);
    // the administrator forgot WRITE on the final topic
    await grantAcls(access.processorUser.principal, writeOnSink.map((g) => ({ ...g, operations: ['write'] })), { remove: true });
    const { processor, metrics } = await startProcessor();
    await processor.waitStarted();
    postgres.psql('INSERT INTO public.orders VALUES (4000, 40.00)', databaseOf(tenant));
    await waitFor('the refusal in the log', () => processor.output.some((l) => l.includes('TOPIC_AUTHORIZATION_FAILED')), 60_000);
    const line = processor.output.map((l) => JSON.parse(l)).find((l) => l.message.includes('TOPIC_AUTHORIZATION_FAILED'));
    expect(line.level).toBe('error');
    expect(line.message).toContain(`refused User:${access.processorUser.username}: TOPIC_AUTHORIZATION_FAILED`);
    expect(line.message).toContain(`Add the ACL: ALLOW User:${access.processorUser.username} WRITE, DESCRIBE on topics ${sink} and ${sink}.dlq`);
    expect(await metrics()).toMatch(/tenant_cdc_kafka_access_refused_total\{kind="authorization"\} [1-9]/);

    await grantAcls(access.processorUser.principal, writeOnSink);
    const events = await consumeAll(sink, { count: before + 1, timeoutMs: 120_000 });
    expect(events.map((e) => JSON.parse(e.value!).key.id)).toContain(4000);
  });

  test('READ on the snapshot reconciler\'s group missing: the events still flow, the refusal names the ACL, and the reconciler leads once it is granted', async () => {
    const sink = `${run}.events`;
    const group = `${run}-connect-processor-snapshots`;
    const groupRead = [{ resource: { type: 'group' as const, pattern: 'literal' as const, name: group }, operations: ['read' as const], why: 'the reconciler\'s group' }];
    const before = (await consumeAll(sink, { idleMs: 1000 })).length;
    await grantAcls(access.processorUser.principal, groupRead, { remove: true });
    const { processor, readyz, metrics } = await startProcessor({ SNAPSHOT_INTERVAL_MS: '1000' });
    try {
      await waitFor('ready', async () => (await readyz()) === 200, 120_000, 500);
      await waitFor('the refusal in the log', () => processor.output.some((l) => l.includes('GROUP_AUTHORIZATION_FAILED') && l.includes(group)), 60_000);
      const line = processor.output.map((l) => JSON.parse(l)).find((l) => l.level === 'error' && l.message.includes(group));
      expect(line.message).toContain(`Add the ACL: ALLOW User:${access.processorUser.username} READ on group ${group}`);
      postgres.psql('INSERT INTO public.orders VALUES (6000, 60.00)', databaseOf(tenant));
      await waitFor('the change on the final topic', async () => (await consumeAll(sink, { idleMs: 2000 })).slice(before).some((e) => JSON.parse(e.value!).key.id === 6000), 120_000, 1000);
      expect(processor.child.exitCode).toBe(null);
    } finally {
      await grantAcls(access.processorUser.principal, groupRead);
    }
    await waitFor('the reconciler leading', async () => /^tenant_cdc_snapshot_reconciler_leader 1$/m.test(await metrics()), 120_000, 1000);
    expect(processor.child.exitCode).toBe(null);
  });

  test('READ on its group missing: the member stops with the ACL to add, and a new one joins once it is granted', async () => {
    const sink = `${run}.events`;
    const group = `${run}-connect-processor`;
    const groupRead = [{ resource: { type: 'group' as const, pattern: 'literal' as const, name: group }, operations: ['read' as const], why: 'its group' }];
    const before = (await consumeAll(sink, { idleMs: 1000 })).length;
    await grantAcls(access.processorUser.principal, groupRead, { remove: true });
    const { processor, readyz } = await startProcessor();
    try {
      await waitFor('the refusal in the log', () => processor.output.some((l) => l.includes('GROUP_AUTHORIZATION_FAILED')), 60_000);
      const line = processor.output.map((l) => JSON.parse(l)).find((l) => l.level === 'error' && l.message.includes('GROUP_AUTHORIZATION_FAILED'));
      expect(line.message).toContain(`Add the ACL: ALLOW User:${access.processorUser.username} READ on group ${group}`);
      expect(await readyz()).toBe(503);
      expect(processor.child.exitCode).toBe(null);
      postgres.psql('INSERT INTO public.orders VALUES (5000, 50.00)', databaseOf(tenant));
    } finally {
      await grantAcls(access.processorUser.principal, groupRead);
    }
    await waitFor('ready', async () => (await readyz()) === 200, 120_000, 500);
    const events = (await consumeAll(sink, { count: before + 1, timeoutMs: 120_000 })).map((e) => JSON.parse(e.value!));
    expect(events.map((e) => e.key.id)).toContain(5000);
    expect(processor.child.exitCode).toBe(null);
  });
});

describe('what Connect shows when Kafka refuses it', () => {
  test('a tenant added without its ACLs: its task fails naming the topic Connect may not create; with them and a restart it streams', async () => {
    const late = `${run}-late`;
    createTenantDatabase(late);
    // the objects are synced, but the plan's new ACL lines were not applied
    const objects = await deploy(tenantsFile([tenant, late]), { acls: false });
    await connect.apply(ofKind(objects, 'KafkaConnector').find((c) => c.metadata.name === late)!);
    await waitFor(`${late} failed`, async () => (await connect.status(late))?.tasks?.[0]?.state === 'FAILED', 180_000, 1000);
    const status = await connect.status(late);
    // what Strimzi copies into the KafkaConnector's status.connectorStatus, and the Argo CD health check reports
    expect(status.connector.state).toBe('RUNNING');
    expect(status.tasks[0].trace).toMatch(/TopicAuthorizationException|Not authorized to access topics/);
    expect(status.tasks[0].trace).toContain(`${late}.public.orders`);

    await applyOutputAcls(objects);
    expect((await connect.request('POST', `/connectors/${late}/restart?includeTasks=true&onlyFailed=true`)).status).toBeLessThan(300);
    await waitFor(`${late} running`, async () => (await connect.status(late))?.tasks?.[0]?.state === 'RUNNING', 120_000, 1000);
    const rows = await consumeAll(`${late}.public.orders`, { count: 1, timeoutMs: 120_000 });
    expect(rows.length).toBeGreaterThanOrEqual(1);
  });

  test('a wrong Kafka secret for Connect: the worker cannot start, and its log names the refusal', async () => {
    const file = tenantsFile([tenant]);
    const wrongSecret = `${run}-kafka-connect-wrong`;
    putSecret(namespace, wrongSecret, { password: madeUpPassword() });
    const broken = { ...file, connect: { ...file.connect!, name: `${run}-broken` }, kafka: { ...file.kafka, auth: { ...file.kafka.auth!, passwordSecret: { name: wrongSecret, key: 'password' } } } };
    const objects = await deploy(broken, { acls: false });
    const serviceAccount = serviceAccountCredentials(namespace, `${run}-broken-connect`, path.join(work, 'serviceaccount-broken'));
    const dir = path.join(work, 'connect-broken');
    const started = startSynthesizedWorker(objects, { restPort: await freePorts(1), dir, tokenFile: serviceAccount.tokenFile });
    await started.catch(() => undefined);
    const pid = Number(fs.readFileSync(path.join(dir, 'worker.pid'), 'utf8'));
    const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
    try {
      // it exits by itself: on Kubernetes the pod restarts over and over, the KafkaConnect is not Ready and its connectors unreachable
      await waitFor('the worker to exit', () => !alive(), 120_000, 500);
    } finally {
      await stopConnect({ dir });
    }
    expect(fs.readFileSync(path.join(dir, 'worker.log'), 'utf8')).toMatch(/Authentication failed: Invalid username or password/);
  });
});
