import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TenantsFile } from '../../src';
import { labelValuesVariables, metricNamesOf, panelQueries, ResolvedPanelQuery, resolveVariables } from '../../src/dashboards/dashboard-queries';
import { GeneratedDashboard } from '../../src/dashboards/dashboards';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../../scripts/ports.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { startPostgres, stopConnect, stopPostgres } from '../../scripts/stack.mjs';
import { Manifest, ofKind } from '../support/synth';
import { ConnectRest } from './support/connect';
import { processorAccess, ProcessorProcess, produce, sleep, unique, waitFor } from './support/kafka';
import { TestKafkaAccess, testKafkaAccess } from './support/kafka-access';
import { applyMonitoringCrds, deploy, startSynthesizedWorker } from './support/deploy';
import { containerEnvironment, ensureNamespace, kubectlOk, serviceAccountCredentials } from './support/kubernetes';
import { createPostgresTenant, databaseOf } from './support/tenant-database';
import { processorTarget, PrometheusServer, scrapeConfigs, startPrometheus, stopPrometheus, strimziConnectTarget } from './support/prometheus';

/**
 * The generated dashboards against a real Prometheus: it scrapes a real Connect worker (the JMX exporter
 * agent with the synthesized rules, as a Strimzi pod runs it) and the real processor (exactly-once) through
 * a scrape config derived from the synthesized PodMonitor and ServiceMonitor, while two PostgreSQL tenants
 * stream and a third is paused. Every panel's every query, with the variables put in as Grafana would for a
 * real tenant, must return series; the `tenant` variable must list exactly the running tenants; and every
 * metric a panel reads must be one a scraped target exposes.
 *
 * DASHBOARD_DATA=<file> keeps every query's data of the last minutes, for the pictures in the docs
 * (npm run dashboard-images).
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-dashboards-'));
const namespace = `dash-${unique('e2e').slice(4)}`;
const run = unique('g').replace(/-/g, '');
const connectName = `${run}-connect`;
const [north, south, idle] = ['north', 'south', 'idle'].map((name) => `${run}-${name}`);
/** Grafana's $__rate_interval for a 2 s scrape interval: at least four scrapes. */
const SCRAPE_INTERVAL_S = 2;
const RATE_INTERVAL = '20s';
let postgres: { port: number; dir: string; psql: (sql: string, db?: string) => string };
let connect: ConnectRest;
let connectDir: string;
let processor: ProcessorProcess | undefined;
let access: TestKafkaAccess;
let prometheus: PrometheusServer;
let objects: Manifest[];
let dashboards: GeneratedDashboard[];

function tenantsFile(): TenantsFile {
  return {
    namespace,
    kafka: access.kafka,
    connect: { name: connectName, replicas: 1, build: { image: 'registry.example.com/connect-debezium:e2e' } },
    processor: { outputTopic: `${run}.events`, kafkaAuth: access.processorAuth },
    defaults: { database: { kind: 'postgres', host: '127.0.0.1', port: postgres.port }, tables: ['public.orders', 'public.customers'], heartbeatIntervalMs: 1000 },
    tenants: [north, south, idle].map((id) => ({
      id, database: { name: databaseOf(id) }, credentials: { secret: `${id}-db` }, ...(id === idle && { state: 'paused' as const }),
    })),
    monitoring: { labels: { release: 'prometheus' }, dashboards: {} },
  };
}

function createTenantDatabase(id: string): void {
  createPostgresTenant(postgres, namespace, id, `
    CREATE TABLE public.orders (id int PRIMARY KEY, total numeric(10,2) NOT NULL);
    CREATE TABLE public.customers (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO public.orders SELECT i, i * 1.5 FROM generate_series(1, 50) i;
    INSERT INTO public.customers SELECT i, 'customer ' || i FROM generate_series(1, 20) i;
    CREATE TABLE public.debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048));`);
}

/** What Grafana would put in for the variables when an operator looks at `tenant`. */
function variableValues(tenant: string): Record<string, string> {
  return { datasource: 'prometheus', namespace, cluster: '.*', tenant, __rate_interval: RATE_INTERVAL };
}

beforeAll(async () => {
  const port = await freePorts(5);
  postgres = await startPostgres({ port, dir: path.join(work, 'postgres') });
  ensureNamespace(namespace);
  access = testKafkaAccess(namespace, run, { publicCa: true });
  for (const id of [north, south, idle]) createTenantDatabase(id);
  applyMonitoringCrds();
  // the whole output, dashboards' ConfigMaps included, as Argo CD would apply it
  objects = await deploy(tenantsFile());
  dashboards = ofKind(objects, 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1').map((c) => {
    const [fileName, json] = Object.entries<string>(c.data)[0];
    return { fileName, model: JSON.parse(json) };
  });

  const serviceAccount = serviceAccountCredentials(namespace, `${connectName}-connect`, path.join(work, 'serviceaccount'));
  connectDir = path.join(work, 'connect');
  const worker = await startSynthesizedWorker(objects, { restPort: port + 1, dir: connectDir, tokenFile: serviceAccount.tokenFile, metricsPort: port + 2,
    jvmOptions: access.workerJvmOptions });
  connect = new ConnectRest(worker.url);
  for (const connector of ofKind(objects, 'KafkaConnector')) await connect.apply(connector);
  const snapshotted = async (id: string) => (await (await fetch(worker.metricsUrl)).text()).split('\n')
    .some((line) => line.startsWith('debezium_metrics_snapshotcompleted{') && line.includes(`tenant="${id}"`) && Number(line.split(' ').pop()) === 1);
  for (const id of [north, south]) await waitFor(`${id} snapshotted`, () => snapshotted(id), 180_000, 1000);

  // exactly-once, for the transaction panels: it needs transactional ACLs the file's (at-least-once) processor is
  // not given, so it logs in as a principal with exactly the ACLs tenant-cdc emits for this environment
  const env: Record<string, string> = { ...containerEnvironment(ofKind(objects, 'Deployment')[0], path.join(work, 'processor-pod')), PROCESSING_GUARANTEE: 'exactly-once', EXACTLY_ONCE_SLOTS: '4' };
  delete env.KAFKA_PRINCIPAL;
  processor = new ProcessorProcess({ ...env, ...await processorAccess(env, [north, south, idle]), HTTP_PORT: String(port + 3), HTTP_HOST: '127.0.0.1', TOPIC_REFRESH_MS: '2000' });
  await processor.waitStarted();

  // Prometheus scrapes both through what the PodMonitor and ServiceMonitor say, as the Prometheus Operator would configure it
  prometheus = await startPrometheus({
    dir: path.join(work, 'prometheus'), port: port + 4, scrapeInterval: `${SCRAPE_INTERVAL_S}s`,
    scrapeConfigs: scrapeConfigs(objects, {
      [`${connectName}-connect-metrics`]: [strimziConnectTarget({ cluster: connectName, namespace, address: `127.0.0.1:${port + 2}` })],
      [`${connectName}-processor-metrics`]: [processorTarget(objects, { processor: `${connectName}-processor`, address: `127.0.0.1:${port + 3}` })],
    }),
  });
  await prometheus.waitForTargetsUp({ count: 2 });

  // a minute of inserts, updates and deletes in both tables of both running tenants, and one record the processor cannot read
  for (let second = 0; second < 60; second++) {
    for (const id of [north, south]) {
      const db = databaseOf(id);
      // a delete's tombstone is a record the processor skips on purpose
      postgres.psql(`INSERT INTO public.orders VALUES (${100 + second}, ${second}.25); UPDATE public.customers SET name = 'renamed ${second}' WHERE id = ${1 + (second % 20)};`
        + (second % 5 === 4 ? ` DELETE FROM public.orders WHERE id = ${99 + second};` : ''), db);
    }
    if (second === 10) await produce(`${north}.public.orders`, [{ key: 'poison', value: 'not a change event' }]);
    await sleep(1000);
  }
}, 900_000);

afterAll(async () => {
  if (prometheus) await stopPrometheus(prometheus);
  if (processor && processor.child.exitCode === null) processor.kill('SIGKILL');
  if (connectDir) await stopConnect({ dir: connectDir });
  if (postgres) await stopPostgres({ dir: postgres.dir });
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the dashboards against a real Prometheus scraping the real stack', () => {
  test('the API server takes the dashboards\' ConfigMaps, and they hold the three dashboards', () => {
    const names = kubectlOk(['get', 'configmaps', '-n', namespace, '-l', 'grafana_dashboard=1', '-o', 'name']).trim().split('\n').sort();
    expect(names).toEqual(['configmap/tenant-cdc-fleet-dashboard', 'configmap/tenant-cdc-processor-dashboard', 'configmap/tenant-cdc-tenant-dashboard']);
    expect(dashboards.map((d) => d.model.uid).sort()).toEqual(['tenant-cdc-fleet', 'tenant-cdc-processor', 'tenant-cdc-tenant']);
  });

  test('the variables list what runs: the namespace, the Connect cluster, and exactly the running tenants (not the paused one)', async () => {
    const tenantView = dashboards.find((d) => d.model.uid === 'tenant-cdc-tenant')!.model;
    const values = variableValues('');
    const listed: Record<string, string[]> = {};
    for (const variable of labelValuesVariables(tenantView)) {
      listed[variable.name] = (await prometheus.labelValues(variable.label, [resolveVariables(variable.series, values)])).sort();
    }
    expect(listed.namespace).toContain(namespace);
    expect(listed.cluster).toEqual([connectName]);
    expect(listed.tenant).toEqual([north, south]);
    // the paused tenant is known to Prometheus all the same: it is left out because it does not run
    expect((await prometheus.query(`kafka_connect_connector_status{connector="${idle}"}`)).map((s) => s.metric.status)).toEqual(['paused']);
  });

  test('every query of every panel returns series for a real tenant', async () => {
    const empty: string[] = [];
    const data: Array<{ uid: string; title: string; panels: unknown[] }> = [];
    const end = Date.now() / 1000;
    for (const { model } of dashboards) {
      const queries = panelQueries(model, variableValues(north));
      const results: Array<ResolvedPanelQuery & { series: unknown[] }> = [];
      for (const q of queries) {
        const series = q.instant ? await prometheus.query(q.expr) : await prometheus.queryRange(q.expr, end - 90, end, SCRAPE_INTERVAL_S);
        if (series.length === 0) empty.push(`${model.title} / ${q.panelTitle} (${q.refId}): ${q.expr}`);
        results.push({ ...q, series });
      }
      data.push({ uid: model.uid!, title: model.title!, panels: (model.panels ?? []).map((p: any) => ({ ...p, results: results.filter((r) => r.panelId === p.id) })) });
    }
    if (process.env.DASHBOARD_DATA) fs.writeFileSync(process.env.DASHBOARD_DATA, `${JSON.stringify({ tenant: north, scrapeIntervalSeconds: SCRAPE_INTERVAL_S, dashboards: data }, null, 1)}\n`);
    expect(empty, `queries without data:\n${empty.join('\n')}`).toEqual([]);
    expect(data.flatMap((d) => d.panels).length).toBeGreaterThan(40);
  });

  test('every metric a panel reads is one a scraped target exposes', async () => {
    const names = new Set(dashboards.flatMap((d) => panelQueries(d.model, variableValues(north)).flatMap((q) => metricNamesOf(q.expr))));
    expect(names.size).toBeGreaterThan(25);
    const missing: string[] = [];
    for (const name of names) {
      // a histogram's series are named after it; Prometheus' metadata knows the family
      const family = name.replace(/_(bucket|sum|count)$/, '');
      if (!(await prometheus.hasMetadata(family)) && !(await prometheus.hasMetadata(name))) missing.push(name);
    }
    expect(missing, `metrics no target exposes: ${missing.join(', ')}`).toEqual([]);
    // and a metric nothing exposes is found missing
    expect(await prometheus.hasMetadata('tenant_cdc_no_such_metric_total')).toBe(false);
  });

  test('the per-tenant view shows the tenant\'s own tables, and its dead letter, not another tenant\'s', async () => {
    const tenantView = dashboards.find((d) => d.model.uid === 'tenant-cdc-tenant')!.model;
    const byTable = panelQueries(tenantView, variableValues(north)).find((q) => q.panelTitle === 'Events per second by table')!;
    const end = Date.now() / 1000;
    const tables = (await prometheus.queryRange(byTable.expr, end - 90, end, SCRAPE_INTERVAL_S)).map((s) => s.metric.table).sort();
    expect(tables).toEqual(['public.customers', 'public.orders']);
    const deadLetters = panelQueries(tenantView, variableValues(north)).find((q) => q.panelTitle === 'Dead letters per second')!;
    const own = await prometheus.query(deadLetters.expr.replace(`[${RATE_INTERVAL}]`, '[10m]'));
    expect(own).toHaveLength(1);
    expect(Number(own[0].value![1])).toBeGreaterThan(0);
    const southDeadLetters = panelQueries(tenantView, variableValues(south)).find((q) => q.panelTitle === 'Dead letters per second')!;
    // the other tenant's counter is there from its first batch, at 0
    expect((await prometheus.query(southDeadLetters.expr.replace(`[${RATE_INTERVAL}]`, '[10m]'))).map((r) => Number(r.value![1]))).toEqual([0]);
  });

  test('a tenant whose snapshot completed has no table left to snapshot, though Debezium still counts its signal table as remaining', async () => {
    const tenantView = dashboards.find((d) => d.model.uid === 'tenant-cdc-tenant')!.model;
    const [remaining, tables] = panelQueries(tenantView, variableValues(north)).filter((q) => q.panelTitle === 'Tables left to snapshot');
    const valueOf = async (expr: string) => (await prometheus.query(expr)).map((r) => Number(r.value![1]));
    expect(await valueOf(remaining.expr)).toEqual([0]);
    // orders, customers and the signal table, which Debezium 3.6.1 lists but never reads nor marks done, so its
    // own count stays at 1: when a release marks it done, the last line fails and the panel can show that count as it is
    expect(await valueOf(tables.expr)).toEqual([3]);
    expect(await valueOf(`debezium_metrics_remainingtablecount{namespace="${namespace}", tenant="${north}", context="snapshot"}`)).toEqual([1]);
  });
});
