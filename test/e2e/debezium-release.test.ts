import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { TenantsFile } from '../../src';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../../scripts/ports.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { startPostgres, stopConnect, stopPostgres } from '../../scripts/stack.mjs';
import type { Manifest } from '../support/synth';
import { ofKind } from '../support/synth';
import { ConnectRest } from './support/connect';
import { consumeAll, unique, waitFor, withAdmin } from './support/kafka';
import { TestKafkaAccess, testKafkaAccess } from './support/kafka-access';
import { deploy, startSynthesizedWorker } from './support/deploy';
import { ensureNamespace, serviceAccountCredentials } from './support/kubernetes';
import { createPostgresTenant, databaseOf } from './support/tenant-database';

/**
 * Issue 15, item 7, on the real plugin: a Connect cluster on Debezium 3.5.0.Final (whose PostgreSQL connector
 * does not read `topic.heartbeat.name`, added in 3.6.0.Alpha1) heartbeats into the tenant's own
 * `__debezium-heartbeat.<id>`, and the ACLs tenant-cdc emits for that output let it, on the authorizer that
 * denies what no ACL allows. Strimzi's build of that cluster fetches the 3.5.0.Final plugin from Maven Central.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-release-'));
const namespace = `cdc-${unique('rel').slice(4)}`;
const run = unique('rel').replace(/-/g, '');
const tenant = `${run}-old`;
const connectName = `${run}-connect`;
let access: TestKafkaAccess;
let postgres: { port: number; dir: string; psql: (sql: string, db?: string) => string };
let connect: ConnectRest;
let connectDir: string;
let objects: Manifest[];

function tenantsFile(): TenantsFile {
  return {
    namespace,
    kafka: access.kafka,
    connect: { name: connectName, replicas: 1, build: { image: 'registry.example.com/connect-debezium:e2e' } },
    debezium: { version: '3.5.0.Final' },
    processor: { outputTopic: `${run}.events`, kafkaAuth: access.processorAuth },
    // heartbeats every second, so the heartbeat topic shows up within the test
    defaults: { database: { kind: 'postgres', host: '127.0.0.1', port: postgres.port }, tables: ['public.orders'], heartbeatIntervalMs: 1000 },
    tenants: [{ id: tenant, database: { name: databaseOf(tenant) }, credentials: { secret: `${tenant}-db` } }],
  };
}

beforeAll(async () => {
  const port = await freePorts(2);
  postgres = await startPostgres({ port, dir: path.join(work, 'postgres') });
  ensureNamespace(namespace);
  access = testKafkaAccess(namespace, run);
  createPostgresTenant(postgres, namespace, tenant, 'CREATE TABLE public.orders (id int PRIMARY KEY, total numeric(10,2) NOT NULL); INSERT INTO public.orders VALUES (1, 10.50);');
  objects = await deploy(tenantsFile());
  const serviceAccount = serviceAccountCredentials(namespace, `${connectName}-connect`, path.join(work, 'serviceaccount'));
  connectDir = path.join(work, 'connect');
  connect = new ConnectRest((await startSynthesizedWorker(objects, { restPort: port + 1, dir: connectDir, tokenFile: serviceAccount.tokenFile })).url);
  for (const connector of ofKind(objects, 'KafkaConnector')) await connect.apply(connector);
  await waitFor(`${tenant} running`, async () => (await connect.status(tenant))?.tasks?.[0]?.state === 'RUNNING', 120_000, 500);
}, 600_000);

afterAll(async () => {
  if (connectDir) await stopConnect({ dir: connectDir });
  if (postgres) await stopPostgres({ dir: postgres.dir });
  fs.rmSync(work, { recursive: true, force: true });
});

test('Debezium 3.5.0: heartbeats go to the tenant\'s own topic, which the emitted ACLs grant, and the task keeps RUNNING', async () => {
  expect(ofKind(objects, 'KafkaConnect')[0].spec.build.plugins[0].artifacts[0].version).toBe('3.5.0.Final');
  const own = `__debezium-heartbeat.${tenant}`;
  await waitFor(`${own} in Kafka`, async () => (await withAdmin((admin) => admin.listTopics())).includes(own), 90_000, 1000);
  const heartbeats = await consumeAll(own, { count: 2, timeoutMs: 30_000 });
  expect(heartbeats.length).toBeGreaterThanOrEqual(2);
  expect((await withAdmin((admin) => admin.listTopics())).filter((t) => t.startsWith('__debezium-heartbeat.') && t.includes(run))).toEqual([own]);
  const status = await connect.status(tenant);
  expect([status.connector.state, status.tasks[0].state, status.tasks[0].version]).toEqual(['RUNNING', 'RUNNING', '3.5.0.Final']);
  const snapshot = await consumeAll(`${tenant}.public.orders`, { count: 1, timeoutMs: 30_000 });
  expect(snapshot).toHaveLength(1);
  // the key this release does not read is not written
  expect(ofKind(objects, 'KafkaConnector')[0].spec.config).not.toHaveProperty('topic.heartbeat.name');
});
