import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { TENANT_LABEL } from '../src/labels';
import { readTenantsFile } from '../src/tenants/load';
import { ProcessorProcess, sleep } from '../test/e2e/support/kafka';
import { putSecrets, serverSideApply } from '../test/e2e/support/kubernetes';
import { Manifest, ofKind, parseManifests, synthPlatformYaml } from '../test/support/synth';
import { ChangeWriter, WrittenChange } from './change-writer';
import { ConnectWorker } from './connect-worker';
import { Arrival, FinalTopicWatcher } from './final-topic';
import { FleetReport } from './fleet-report';
import { NAMESPACE, SETTINGS } from './fleet-settings';
import { FleetPostgres, FleetStack } from './fleet-stack';
import { createTenantDatabases, FLEET_TABLES, FleetTenant, fleetTenants, fleetTenantsFile } from './fleet-tenants';
import { strimziHeap } from './jvm-memory';
import { cpuSeconds, processTreeCpuSeconds } from './proc-stats';
import { Progress } from './progress';
import { PsqlSession } from './psql-session';

/** Everything the phases share once the stack runs. */
export interface Fleet {
  readonly tenants: readonly FleetTenant[];
  readonly connectors: readonly Manifest[];
  /** The worker each tenant's connector runs on (its KafkaConnect, by label `strimzi.io/cluster`). */
  readonly workerOf: ReadonlyMap<string, ConnectWorker>;
  readonly workers: readonly ConnectWorker[];
  readonly postgres: FleetPostgres;
  readonly watcher: FinalTopicWatcher;
  readonly writer: ChangeWriter;
  /** Named CPU counters (cumulative seconds) of the processes that matter. */
  readonly cpu: Readonly<Record<string, () => number>>;
  /** Snapshot rows each tenant sends: every captured table's seeded rows. */
  readonly snapshotRowsPerTenant: number;
}

/**
 * Starts the stack, creates the tenant databases and Secrets, synthesizes the generated tenants file, applies
 * the output, and starts a worker per KafkaConnect and a processor per Deployment, with a reader of the final topic.
 */
export async function setUp(stack: FleetStack, progress: Progress, report: FleetReport): Promise<Fleet> {
  progress.say('starting Kafka, the Kubernetes API server (with the Strimzi CRDs) and PostgreSQL');
  const kafka = await stack.startKafka();
  const kubernetes = await stack.startKubernetes(NAMESPACE);
  const postgres = await stack.startPostgres(SETTINGS.postgres);
  const psql = new PsqlSession(postgres);
  stack.onStop('psql', () => psql.close());

  const tenants = fleetTenants(SETTINGS.tenants);
  progress.say(`creating ${tenants.length} tenant databases (${FLEET_TABLES.length} tables, ${SETTINGS.rowsPerTable} rows each) and their Secrets`);
  const tick = Math.max(1, Math.round(tenants.length / 10));
  await createTenantDatabases(psql, tenants, SETTINGS.rowsPerTable, (done) => {
    if (done % tick === 0 || done === tenants.length) progress.say(`  ${done}/${tenants.length} databases`);
  });
  putSecrets(NAMESPACE, tenants.map((t) => ({ name: t.secret, data: { username: t.user, password: t.password } })));

  const tenantsPath = path.join(stack.work, 'tenants.yaml');
  const file = fleetTenantsFile({ tenants, namespace: NAMESPACE, bootstrapServers: kafka.brokers, postgresPort: postgres.port, connect: SETTINGS.connect });
  fs.writeFileSync(tenantsPath, stringify(file));
  progress.say(`synthesizing ${tenantsPath} with the constructs and applying the output to the API server`);
  // the loader `npm run synth` uses, then the exact YAML the app writes
  const yaml = synthPlatformYaml(readTenantsFile(tenantsPath).file);
  const applied = serverSideApply(yaml);
  if (applied.status !== 0) throw new Error(`applying the synthesized objects failed:\n${applied.stderr}`);
  const objects = parseManifests(yaml);
  const kafkaConnects = ofKind(objects, 'KafkaConnect');
  const connectors = ofKind(objects, 'KafkaConnector');
  const deployments = ofKind(objects, 'Deployment');
  progress.say(`synthesized ${objects.length} objects: ${kafkaConnects.length} KafkaConnect, ${connectors.length} KafkaConnectors, ${deployments.length} Deployment`);

  const workers: ConnectWorker[] = [];
  for (const kafkaConnect of kafkaConnects) {
    const heap = SETTINGS.workerHeap ? { max: SETTINGS.workerHeap, initial: SETTINGS.workerHeap } : strimziHeap(kafkaConnect.spec);
    progress.say(`starting the Connect worker of KafkaConnect ${kafkaConnect.metadata.name} (heap -Xmx${heap.max}${heap.initial ? ` -Xms${heap.initial}` : ''})`);
    workers.push(await stack.startWorker(kafkaConnect, kubernetes, heap));
    report.add(`worker of KafkaConnect ${kafkaConnect.metadata.name}`, `1 worker (of spec.replicas ${kafkaConnect.spec.replicas}), -Xmx${heap.max}${heap.initial ? `, -Xms${heap.initial}` : ''}`);
  }
  const workerOf = new Map<string, ConnectWorker>();
  for (const connector of connectors) {
    const worker = workers.find((w) => w.name === connector.metadata.labels?.['strimzi.io/cluster']);
    if (!worker) throw new Error(`KafkaConnector ${connector.metadata.name} names no synthesized KafkaConnect`);
    workerOf.set(tenantOf(connector), worker);
  }

  progress.say('starting the processor from the synthesized Deployment');
  const processors: ProcessorProcess[] = [];
  const extraEnv: Record<string, string> = SETTINGS.topicRefreshMs ? { TOPIC_REFRESH_MS: SETTINGS.topicRefreshMs } : {};
  for (const deployment of deployments) processors.push(await stack.startProcessor(deployment, extraEnv));
  const sinks = [...new Set(deployments.map((d) => d.spec.template.spec.containers[0].env.find((e: any) => e.name === 'SINK_TOPIC').value as string))];
  if (sinks.length !== 1) throw new Error(`expected one final topic, the Deployments name ${sinks.join(', ')}`);
  const watcher = new FinalTopicWatcher([kafka.brokers], sinks[0]);
  stack.onStop('the final topic reader', () => watcher.stop());
  await watcher.start();

  const postmaster = stack.postmasterPid(postgres);
  const cpu: Record<string, () => number> = {};
  for (const worker of workers) cpu[`worker ${worker.name}`] = () => cpuSeconds(worker.pid);
  cpu.PostgreSQL = () => processTreeCpuSeconds(postmaster);
  cpu['Kafka broker'] = () => cpuSeconds(kafka.pid);
  processors.forEach((p, i) => { cpu[processors.length > 1 ? `processor ${i + 1}` : 'processor'] = () => cpuSeconds(p.child.pid!); });

  return {
    tenants, connectors, workerOf, workers, postgres, watcher, writer: new ChangeWriter(psql), cpu,
    snapshotRowsPerTenant: FLEET_TABLES.length * SETTINGS.rowsPerTable,
  };
}

/** The tenant of a KafkaConnector, from the label every per-tenant object carries. */
export function tenantOf(connector: Manifest): string {
  const tenant = connector.metadata.labels?.[TENANT_LABEL];
  if (!tenant) throw new Error(`KafkaConnector ${connector.metadata.name} has no ${TENANT_LABEL} label`);
  return tenant;
}

/** What Connect's REST API says of a connector and its (first) task. */
export interface TaskState {
  readonly connector?: string;
  readonly task?: string;
  /** `<connector>-<task number>`, as Connect names the task in its log. */
  readonly taskId?: string;
  readonly trace?: string;
}

/** Task states of every connector on every worker, by connector name; a worker that does not answer adds nothing. */
export async function taskStates(fleet: Fleet): Promise<Map<string, TaskState>> {
  const states = new Map<string, TaskState>();
  for (const worker of fleet.workers) {
    try {
      for (const [name, status] of Object.entries(await worker.rest.statuses())) {
        const task = status?.tasks?.[0];
        states.set(name, { connector: status?.connector?.state, task: task?.state, taskId: task ? `${name}-${task.id}` : undefined, trace: task?.trace ?? status?.connector?.trace });
      }
    } catch { /* restarting, or busy: try again later */ }
  }
  return states;
}

/** Waits until every change arrived on the final topic or the time is up; returns the arrivals and what is missing. */
export async function arrivals(fleet: Fleet, changes: readonly WrittenChange[], timeoutMs: number): Promise<{ arrived: Array<[WrittenChange, Arrival]>; missing: WrittenChange[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = changes.filter((c) => !fleet.watcher.arrival(c.tenant, c.id));
    if (missing.length === 0 || Date.now() > deadline) {
      const absent = new Set(missing);
      return { arrived: changes.filter((c) => !absent.has(c)).map((c) => [c, fleet.watcher.arrival(c.tenant, c.id)!]), missing };
    }
    await sleep(250);
  }
}
