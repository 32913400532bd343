/**
 * `npm run demo`: the whole pipeline on one machine, without a Kubernetes cluster's nodes. Starts Kafka
 * shaped like a managed one (SASL_SSL, a CA made now, ACLs; Connect and the processor log in as their own
 * principals with exactly the ACLs `npm run acls` lists), a Kubernetes API server (scripts/kube.mjs), a Kafka Connect worker with the Debezium plugins, PostgreSQL
 * and the processor (scripts/stack.mjs), creates three demo tenant databases and their Secrets,
 * synthesizes their tenants file with the real constructs, applies it to the API server, applies the
 * KafkaConnectors to Connect as Strimzi would (credentials read through the generated Roles), writes
 * changes, and prints the processed events as they reach the final topic. It stops everything by itself
 * after DEMO_SECONDS (default 60).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import type { TenantsFile } from '../src';
import { ConnectRest, madeUpPassword } from '../test/e2e/support/connect';
import { applyOutputAcls, kafka as superUserKafka, ProcessorProcess, sleep } from '../test/e2e/support/kafka';
import { testKafkaAccess } from '../test/e2e/support/kafka-access';
import { containerEnvironment, ensureNamespace, putSecret, serverSideApply, serviceAccountCredentials } from '../test/e2e/support/kubernetes';
import { ofKind, synthPlatform, synthPlatformYaml } from '../test/support/synth';
// @ts-expect-error: a plain ES module script
import { buildKubernetes, installCrds, startKubernetes, stopKubernetes } from './kube.mjs';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from './ports.mjs';
// @ts-expect-error: a plain ES module script
import { startConnect, startKafka, startPostgres, stopConnect, stopKafka, stopPostgres } from './stack.mjs';
// @ts-expect-error: a plain ES module script
import { strimziCrdsDir } from './strimzi-crds.mjs';

const SECONDS = Number(process.env.DEMO_SECONDS ?? 60);
const TENANTS = ['acme', 'globex', 'initech'];

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-demo-'));
  const base = await freePorts(4);
  const say = (text: string) => console.log(`\x1b[1m==> ${text}\x1b[0m`);
  let processor: ProcessorProcess | undefined;
  let postgres: any;
  let connectDir: string | undefined;
  let kubeDir: string | undefined;
  try {
    say('starting Kafka (KRaft, 127.0.0.1, SASL_SSL with a CA made now, ACLs that deny what they do not allow)');
    const kafka = await startKafka({ port: base, dir: path.join(work, 'kafka') });
    process.env.E2E_KAFKA = JSON.stringify(kafka.info);

    say('starting a Kubernetes API server (kube-apiserver and kubectl are built from the Go module proxy on first use, about 5 min)');
    const { kubectl } = buildKubernetes();
    const cluster = await startKubernetes({ dir: path.join(work, 'kubernetes') });
    kubeDir = cluster.dir;
    process.env.E2E_KUBERNETES = JSON.stringify({ ...cluster, kubectl });
    await installCrds(cluster, kubectl, strimziCrdsDir());
    ensureNamespace('demo');

    say('starting PostgreSQL with wal_level=logical and three tenant databases, their Secrets in the API server');
    postgres = await startPostgres({ port: base + 2, dir: path.join(work, 'postgres') });
    for (const tenant of TENANTS) {
      const password = madeUpPassword();
      postgres.psql(`CREATE USER ${tenant}_cdc WITH LOGIN REPLICATION PASSWORD '${password}'`);
      postgres.psql(`CREATE DATABASE ${tenant} OWNER ${tenant}_cdc`);
      postgres.psql(`SET ROLE ${tenant}_cdc; CREATE TABLE orders (id serial PRIMARY KEY, item text, total numeric(10,2));
        INSERT INTO orders (item, total) VALUES ('first ${tenant} order', 9.99);`, tenant);
      putSecret('demo', `${tenant}-db`, { username: `${tenant}_cdc`, password });
    }

    say('making API keys for Connect and the processor; their passwords and the broker\'s CA go into Secrets');
    const access = testKafkaAccess('demo', 'demo');
    const file: TenantsFile = {
      namespace: 'demo',
      kafka: access.kafka,
      connect: { name: 'demo-connect', replicas: 1, build: { image: 'registry.example.com/connect-debezium:demo' } },
      processor: { outputTopic: 'demo.events', kafkaAuth: access.processorAuth },
      defaults: { database: { kind: 'postgres', host: '127.0.0.1', port: base + 2 }, tables: ['public.orders'] },
      tenants: TENANTS.map((id) => ({ id, database: { name: id }, credentials: { secret: `${id}-db` } })),
    };
    fs.writeFileSync(path.join(work, 'tenants.yaml'), stringify(file));
    say(`synthesizing ${path.join(work, 'tenants.yaml')} with CdcPlatform`);
    const objects = synthPlatform(file);
    const applied = serverSideApply(synthPlatformYaml(file));
    if (applied.status !== 0) throw new Error(applied.stderr);
    for (const line of applied.stdout.trim().split('\n')) console.log(`    ${line}`);
    say('granting Connect and the processor exactly the ACLs the output needs (npm run acls)');
    await applyOutputAcls(objects);

    say('starting Kafka Connect from the synthesized KafkaConnect (plugins from its spec.build, resolved with Maven)');
    connectDir = path.join(work, 'connect');
    const { tokenFile } = serviceAccountCredentials('demo', 'demo-connect-connect', path.join(work, 'serviceaccount'));
    const connect = new ConnectRest((await startConnect({ kafkaConnect: ofKind(objects, 'KafkaConnect')[0], restPort: base + 3, dir: connectDir,
      kubernetes: { server: cluster.server, caFile: cluster.caFile, tokenFile, kubectl, kubeconfig: cluster.kubeconfig } })).url);
    await connect.reconcile(ofKind(objects, 'KafkaConnector'));
    say('connectors created; starting the processor with the synthesized Deployment\'s environment');
    const env = containerEnvironment(ofKind(objects, 'Deployment')[0], path.join(work, 'processor-pod'));
    processor = new ProcessorProcess({ ...env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', TOPIC_REFRESH_MS: '2000' });
    await processor.waitStarted();

    const consumer = superUserKafka('demo-viewer').consumer({ groupId: 'demo-viewer' });
    await consumer.connect();
    await consumer.subscribe({ topics: ['demo.events'], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value!.toString());
        console.log(`    ${event.tenant.padEnd(8)} ${event.op.padEnd(6)} ${event.schema}.${event.table} key=${JSON.stringify(event.key)} after=${JSON.stringify(event.after)}`);
      },
    });

    say(`writing changes for ${SECONDS} s; processed events from demo.events:`);
    const until = Date.now() + SECONDS * 1000;
    for (let round = 1; Date.now() < until; round++) {
      const tenant = TENANTS[round % TENANTS.length];
      postgres.psql(`INSERT INTO orders (item, total) VALUES ('order ${round}', ${round}.50); UPDATE orders SET total = total + 1 WHERE id = 1;`, tenant);
      if (round % 5 === 0) postgres.psql(`DELETE FROM orders WHERE id = (SELECT min(id) FROM orders WHERE id > 1)`, tenant);
      await sleep(2000);
    }
    await consumer.disconnect();
  } finally {
    say('stopping everything');
    if (processor && processor.child.exitCode === null) processor.kill('SIGTERM');
    if (connectDir) await stopConnect({ dir: connectDir });
    if (postgres) await stopPostgres({ dir: postgres.dir });
    if (kubeDir) await stopKubernetes({ dir: kubeDir });
    await stopKafka({ dir: path.join(work, 'kafka') });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
