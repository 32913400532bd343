import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import type { TenantsFile } from '../../src';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../../scripts/ports.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { startPostgres, stopConnect, stopPostgres } from '../../scripts/stack.mjs';
// @ts-expect-error: a plain ES module script shared with the tests and benchmarks
import { promtoolPath } from '../../scripts/tools.mjs';
import { Manifest, ofKind, synthPlatform } from '../support/synth';
import { ConnectRest, madeUpPassword } from './support/connect';
import { consumeAll, createTopics, ProcessorProcess, produce, sleep, unique, waitFor } from './support/kafka';
import { TestKafkaAccess, testKafkaAccess } from './support/kafka-access';
import { applyMonitoringCrds, deploy, startSynthesizedWorker } from './support/deploy';
import { containerEnvironment, ensureNamespace, kubectl, kubectlOk, serviceAccountCredentials } from './support/kubernetes';
import { createPostgresTenant, databaseOf } from './support/tenant-database';

/**
 * The alerts against what the real programs expose: a Connect worker running the Prometheus JMX exporter
 * agent with the rules of the synthesized metrics ConfigMap (as a Strimzi pod does), two PostgreSQL tenants
 * (one loses its database login), and the processor with the synthesized Deployment's environment (with a
 * table added to the healthy tenant that its connector does not capture yet, a SQL Server group whose
 * database of no tenant sends an event, and a hashed numeric column Debezium leaves in clear). Every
 * metric and label an alert uses must be in their scrapes, and the scrapes, replayed through promtool
 * minute by minute, must fire exactly the alerts the situation calls for.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-monitoring-'));
const namespace = `mon-${unique('e2e').slice(4)}`;
const run = unique('m').replace(/-/g, '');
const connectName = `${run}-connect`;
const [healthy, broken] = ['ok', 'bad'].map((name) => `${run}-${name}`);
/** A SQL Server group with one tenant: no SQL Server runs here, so its connector is not started; events of it are written by hand. */
const group = `${run}-grp`;
/** The labels a PodMonitor or ServiceMonitor scrape adds, as they would be for these pods. */
const connectTarget = { namespace, strimzi_io_cluster: connectName, pod: `${connectName}-connect-0` };
const processorTarget = { namespace, pod: `${connectName}-processor-0` };
let postgres: { port: number; dir: string; psql: (sql: string, db?: string) => string };
let connect: ConnectRest;
let connectDir: string;
let connectMetrics: string;
let processor: ProcessorProcess | undefined;
let access: TestKafkaAccess;

/** The tenants file; `addedTable` is a table added to the healthy tenant later (its connector is not given it). */
function tenantsFile(addedTable?: string): TenantsFile {
  // numeric: Debezium masks character columns only, so the processor hashes it (and counts it)
  const orders = { table: 'public.orders', key: ['id'], hash: ['total'] };
  return {
    namespace,
    kafka: access.kafka,
    connect: { name: connectName, replicas: 1, build: { image: 'registry.example.com/connect-debezium:e2e' } },
    processor: { outputTopic: `${run}.events`, kafkaAuth: access.processorAuth },
    masking: { salt: 'monitoring-e2e-pepper' },
    sqlServerGroups: [{ name: group, host: 'sql.example.com', credentials: { secret: `${group}-db` } }],
    // heartbeats every second: a healthy tenant of a quiet database polls them
    defaults: { database: { kind: 'postgres', host: '127.0.0.1', port: postgres.port }, tables: ['public.orders'], heartbeatIntervalMs: 1000 },
    tenants: [
      ...[healthy, broken].map((id) => ({
        id, database: { name: databaseOf(id) }, credentials: { secret: `${id}-db` },
        tables: id === healthy ? [orders, ...(addedTable ? [addedTable] : [])] : ['public.orders'],
      })),
      { id: `${run}-acme`, group, database: { name: 'AcmeProd' }, tables: ['dbo.orders'] },
    ],
    monitoring: { labels: { release: 'prometheus' } },
  };
}

function createTenantDatabase(id: string): void {
  // the signal table is a prerequisite of every tenant (docs/tenants-file.md: The signal table): Debezium writes its snapshot watermarks there
  createPostgresTenant(postgres, namespace, id, `CREATE TABLE public.orders (id int PRIMARY KEY, total numeric(10,2) NOT NULL);
    INSERT INTO public.orders VALUES (1, 10.50), (2, 20.25);
    CREATE TABLE public.debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048));`);
}

beforeAll(async () => {
  const port = await freePorts(3);
  postgres = await startPostgres({ port, dir: path.join(work, 'postgres') });
  ensureNamespace(namespace);
  // Confluent Cloud's way: SASL over TLS with no CA named (trustedCertificates: []); the test CA stands in for a public one
  access = testKafkaAccess(namespace, run, { publicCa: true });
  for (const id of [healthy, broken]) createTenantDatabase(id);
  applyMonitoringCrds();
  const objects = await deploy(tenantsFile());
  const serviceAccount = serviceAccountCredentials(namespace, `${connectName}-connect`, path.join(work, 'serviceaccount'));
  connectDir = path.join(work, 'connect');
  const worker = await startSynthesizedWorker(objects, { restPort: port + 1, dir: connectDir, tokenFile: serviceAccount.tokenFile, metricsPort: port + 2,
    jvmOptions: access.workerJvmOptions });
  connect = new ConnectRest(worker.url);
  connectMetrics = worker.metricsUrl;
}, 600_000);

afterAll(async () => {
  if (processor && processor.child.exitCode === null) processor.kill('SIGKILL');
  if (connectDir) await stopConnect({ dir: connectDir });
  if (postgres) await stopPostgres({ dir: postgres.dir });
  fs.rmSync(work, { recursive: true, force: true });
});

/** One series of a scrape: metric name, labels (as exposed), value. */
interface Sample { name: string; labels: Record<string, string>; value: string }

/** The healthy tenant's dead letters, once there is one. */
const isDeadLetterOfHealthy = (s: Sample) => s.name === 'tenant_cdc_events_dlq_total' && s.labels.tenant === healthy && Number(s.value) > 0;

/** Parses the Prometheus text format (the label values of our metrics hold no escaped quotes). */
function parseScrape(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name: match[1], labels, value: match[3] });
  }
  return samples;
}

async function scrape(url: string): Promise<Sample[]> {
  return parseScrape(await (await fetch(url)).text());
}

/** The selectors of a PromQL expression: metric name (or __name__ regex) and matchers. */
function selectorsOf(expr: string): Array<{ name?: RegExp; matchers: Array<[string, string, string]> }> {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)?\{([^}]*)\}/g)].map((m) => {
    const matchers = [...m[2].matchAll(/([a-zA-Z_]+)(=~|!~|!=|=)"((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2], x[3]] as [string, string, string]);
    const byName = matchers.find(([label]) => label === '__name__');
    return { name: m[1] ? new RegExp(`^${m[1]}$`) : byName ? new RegExp(`^(?:${byName[2]})$`) : undefined, matchers };
  });
}

/** The labels an expression groups or joins by. */
function groupingLabelsOf(expr: string): string[] {
  return [...expr.matchAll(/\b(?:by|on)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((l) => l.trim()).filter(Boolean));
}

/** Problems of the alerts' expressions against real scrapes: metrics, labels and label values that are not there. */
function missingFromScrape(rules: any[], samples: Sample[], targetLabels: string[], optionalLabels: string[]): string[] {
  const problems: string[] = [];
  for (const rule of rules) {
    const expr = String(rule.expr);
    const grouping = groupingLabelsOf(expr).filter((l) => !targetLabels.includes(l) && !optionalLabels.includes(l));
    for (const selector of selectorsOf(expr)) {
      const series = samples.filter((s) => selector.name!.test(s.name));
      if (series.length === 0) {
        problems.push(`${rule.alert}: no metric ${selector.name} in the scrape`);
        continue;
      }
      for (const [label, op, value] of selector.matchers.filter(([label]) => label !== '__name__' && !targetLabels.includes(label))) {
        if (!series.some((s) => label in s.labels)) problems.push(`${rule.alert}: ${series[0].name} has no label ${label}`);
        // a status or state that the run cannot provoke (failed) is checked for its spelling: lowercase like the ones seen
        else if (op === '=' && !series.some((s) => s.labels[label] === value)
          && !(['status', 'state'].includes(label) && series.every((s) => s.labels[label] === s.labels[label].toLowerCase()))) {
          problems.push(`${rule.alert}: ${series[0].name} never has ${label}="${value}" (seen: ${[...new Set(series.map((s) => s.labels[label]))].join(', ')})`);
        }
      }
      for (const label of grouping) if (!series.some((s) => label in s.labels)) problems.push(`${rule.alert}: ${series[0].name} has no label ${label} to group by`);
    }
  }
  return problems;
}

/** A promtool input series: the scrapes, one a minute, with the target labels a monitor adds; `_` where it was absent. */
function replay(scrapes: Sample[][], target: Record<string, string>, names: RegExp[]): Array<{ series: string; values: string }> {
  const keyOf = (s: Sample) => `${s.name}{${Object.entries({ ...s.labels, ...target }).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
  const keys = [...new Set(scrapes.flat().filter((s) => names.some((n) => n.test(s.name))).map(keyOf))].sort();
  return keys.map((key) => ({ series: key, values: scrapes.map((samples) => samples.find((s) => keyOf(s) === key)?.value ?? '_').join(' ') }));
}

/** An alert's annotations with its labels filled in, as Prometheus renders these (label-only) templates. */
function rendered(rule: any, labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries<string>(rule.annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l) => labels[l] ?? '')]));
}

function rulesOf(objects: Manifest[], name: string): any[] {
  return ofKind(objects, 'PrometheusRule').find((r) => r.metadata.name === name)!.spec.groups[0].rules;
}

describe('the alerts against the real Connect worker, JMX exporter and processor', () => {
  const connectScrapes: Sample[][] = [];
  const processorScrapes: Sample[][] = [];
  let firstDeadLetterStep = -1;
  let firstUnroutedStep = -1;

  test('the PodMonitor, ServiceMonitor and PrometheusRules are accepted by a real API server with the prometheus-operator CRDs', () => {
    const names = kubectlOk(['get', 'podmonitors,servicemonitors,prometheusrules', '-n', namespace, '-o', 'name']).trim().split('\n').sort();
    expect(names).toEqual([
      `podmonitor.monitoring.coreos.com/${connectName}-connect-metrics`,
      `prometheusrule.monitoring.coreos.com/${connectName}-alerts`,
      `prometheusrule.monitoring.coreos.com/${connectName}-processor-alerts`,
      `servicemonitor.monitoring.coreos.com/${connectName}-processor-metrics`,
    ]);
    // and the CRD's schema is enforced: a rule without an expression is refused
    const broken = kubectl(['apply', '--server-side', '-f', '-'], { input: stringify({
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'broken', namespace },
      spec: { groups: [{ name: 'g', rules: [{ alert: 'NoExpression' }] }] } }) });
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/expr/);
  });

  test('scrapes while one tenant streams and the other has lost its database login, and the processor dead-letters a record', async () => {
    const objects = synthPlatform(tenantsFile());
    // the group's SQL Server connector has no database here: its events come by hand below
    for (const connector of ofKind(objects, 'KafkaConnector').filter((c) => !c.spec.class.includes('SqlServer'))) await connect.apply(connector);
    // found by any label holding the tenant id, so that wrong exporter rules fail the checks below, not this wait
    const ofTenant = (s: Sample, id: string) => Object.values(s.labels).some((v) => v.includes(id));
    const snapshotDone = async (id: string) => (await scrape(connectMetrics))
      .some((s) => s.name === 'debezium_metrics_snapshotcompleted' && ofTenant(s, id) && Number(s.value) === 1);
    for (const id of [healthy, broken]) await waitFor(`${id} snapshotted`, () => snapshotDone(id), 180_000, 1000);

    // the processor of this file takes the healthy tenant's tables as its baseline (the ledger's first record);
    // then the file adds public.refunds, and the processor of the new file (its connector still on the old
    // config, as when the Deployment rolls out first) has a snapshot to wait for
    const startProcessor = (file: TenantsFile, pod: string) => {
      const env = containerEnvironment(ofKind(synthPlatform(file), 'Deployment')[0], path.join(work, pod));
      return { env, process: new ProcessorProcess({ ...env, ...access.processorEnv, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', TOPIC_REFRESH_MS: '2000' }) };
    };
    const first = startProcessor(tenantsFile(), 'processor-pod-1');
    processor = first.process;
    await processor.waitStarted();
    const ledger = `__tenant-cdc-snapshots.${first.env.KAFKA_GROUP_ID}`;
    // the reconciler creates its ledger topic once it starts: until then there is nothing to read
    await waitFor('the healthy tenant\'s baseline in the ledger', async () => (await consumeAll(ledger, { idleMs: 1000 }).catch(() => []))
      .some((r) => r.key === healthy && r.value !== null && JSON.parse(r.value).collections.includes('public.orders')), 120_000, 2000);
    processor.kill('SIGTERM');
    await processor.exited;
    processor = startProcessor(tenantsFile('public.refunds'), 'processor-pod-2').process;
    await processor.waitStarted();
    const processorMetrics = `http://127.0.0.1:${processor.httpPort}/metrics`;
    await waitFor('the processor\'s lag of the healthy tenant', async () => (await scrape(processorMetrics))
      .some((s) => s.name === 'tenant_cdc_consumer_lag' && s.labels.tenant === healthy), 120_000, 1000);

    // the broken tenant's password changes under it: its task restarts and retries its login for ever
    const db = databaseOf(broken);
    postgres.psql(`ALTER USER ${db}_cdc PASSWORD '${madeUpPassword()}'`);
    postgres.psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${db}_cdc'`);
    expect((await connect.request('POST', `/connectors/${broken}/tasks/0/restart`)).status).toBeLessThan(300);
    await waitFor(`${broken}'s Debezium metrics gone`, async () => !(await scrape(connectMetrics))
      .some((s) => s.name.startsWith('debezium_metrics_') && ofTenant(s, broken)), 120_000, 1000);

    const strayTopic = `${group}.InitechProd.dbo.orders`;
    await createTopics([{ topic: strayTopic }]);
    // 22 scrapes 3 s apart, replayed below as 22 minutes; the healthy tenant's database changes, and a poison record arrives
    for (let step = 0; step < 22; step++) {
      if (step === 4) postgres.psql('INSERT INTO public.orders VALUES (3, 30.00)', databaseOf(healthy));
      if (step === 6) await produce(`${healthy}.public.orders`, [{ key: 'poison', value: 'not a change event' }]);
      // a change of a database of the group that no tenant has, as Debezium would write it
      if (step === 9) await produce(strayTopic, [{ key: '{"id":1}', value: JSON.stringify({ before: null, after: { id: 1 }, op: 'c', ts_ms: Date.now(),
        source: { connector: 'sqlserver', name: group, db: 'InitechProd', schema: 'dbo', table: 'orders', commit_lsn: '00000027:00000ac0:0002', change_lsn: '00000027:00000ac0:0002', event_serial_no: 1 } }) }]);
      connectScrapes.push(await scrape(connectMetrics));
      processorScrapes.push(await scrape(processorMetrics));
      // the tenant's dead-letter counter is there at 0 from its first batch: the step of the first one is where it is above 0
      if (firstDeadLetterStep < 0 && processorScrapes[step].some(isDeadLetterOfHealthy)) firstDeadLetterStep = step;
      if (firstUnroutedStep < 0 && processorScrapes[step].some((s) => s.name === 'tenant_cdc_unrouted_events_total')) firstUnroutedStep = step;
      await sleep(3000);
    }
    expect((await connect.status(broken)).tasks[0].state).toBe('RUNNING');
    expect(firstDeadLetterStep).toBeGreaterThan(0);
    expect(firstUnroutedStep).toBeGreaterThan(firstDeadLetterStep);
    const seen = processorScrapes.flat();
    // Debezium passed the numeric total through; the processor hashed it and counted it
    expect(seen).toContainEqual(expect.objectContaining({ name: 'tenant_cdc_masks_applied_total', labels: { tenant: healthy, table: 'public.orders', column: 'total', rule: 'hash' } }));
    // the added table waits for its snapshot: the connector has not been given it
    expect(seen).toContainEqual(expect.objectContaining({ name: 'tenant_cdc_snapshot_pending_seconds',
      labels: expect.objectContaining({ tenant: healthy, connector: healthy, table: 'public.refunds' }) }));
    expect(seen).toContainEqual({ name: 'tenant_cdc_unrouted_events_total', labels: { group, database: 'InitechProd' }, value: '1' });
  });

  test('the exporter rules label Debezium\'s metrics with the tenant and the topic prefix, nothing more', () => {
    const debezium = connectScrapes.flat().filter((s) => s.name.startsWith('debezium_metrics_') && s.labels.tenant === healthy);
    expect(debezium.length).toBeGreaterThan(0);
    for (const s of debezium) expect(s.labels, s.name).toMatchObject({ plugin: 'postgres', name: healthy, tenant: healthy });
    expect(new Set(debezium.map((s) => s.labels.context))).toEqual(new Set(['snapshot', 'streaming']));
    // the per-table snapshot metric has the table on its own
    expect(debezium.find((s) => s.name === 'debezium_metrics_rowsscanned')!.labels).toMatchObject({ table: 'public.orders', name: healthy });
  });

  test('every metric, label and label value the alerts use is in the real scrapes', () => {
    const objects = synthPlatform(tenantsFile());
    const connectProblems = missingFromScrape(rulesOf(objects, `${connectName}-alerts`), connectScrapes.flat(), Object.keys(connectTarget), ['database']);
    const processorProblems = missingFromScrape(rulesOf(objects, `${connectName}-processor-alerts`), processorScrapes.flat(), Object.keys(processorTarget), []);
    expect([...connectProblems, ...processorProblems]).toEqual([]);
  });

  test('the real scrapes, replayed through promtool, fire the stall alert for the broken tenant, the dead-letter alert for the healthy one and the unrouted alert for the group\'s stray database, nothing else', () => {
    const objects = synthPlatform(tenantsFile());
    const dir = path.join(work, 'promtool');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'rules.yml'), stringify({ groups: ofKind(objects, 'PrometheusRule').flatMap((r) => r.spec.groups) }));
    const connectRules = rulesOf(objects, `${connectName}-alerts`);
    const processorRules = rulesOf(objects, `${connectName}-processor-alerts`);
    const used = (rules: any[]) => rules.flatMap((r) => selectorsOf(String(r.expr)).map((s) => s.name!));
    const last = `${connectScrapes.length - 1}m`;
    const stalled = { severity: 'critical', namespace, strimzi_io_cluster: connectName, connector: broken, task: '0', tenant: broken };
    const deadLetters = processorScrapes[firstDeadLetterStep].find(isDeadLetterOfHealthy)!;
    const none = (alertname: string, evalTime = last) => ({ eval_time: evalTime, alertname, exp_alerts: [] });
    fs.writeFileSync(path.join(dir, 'replay.test.yml'), stringify({
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [{
        name: 'real scrapes, one a minute',
        interval: '1m',
        input_series: [...replay(connectScrapes, connectTarget, used(connectRules)), ...replay(processorScrapes, processorTarget, used(processorRules))],
        alert_rule_test: [
          { eval_time: last, alertname: 'TenantCdcStreamingStalled', exp_alerts: [{
            exp_labels: stalled, exp_annotations: rendered(connectRules.find((r) => r.alert === 'TenantCdcStreamingStalled'), stalled) }] },
          ...['TenantCdcConnectorFailed', 'TenantCdcTaskFailed', 'TenantCdcStreamingLagHigh', 'TenantCdcSnapshotTooLong', 'TenantCdcProcessorLagHigh', 'TenantCdcProcessorLagGrowing'].map((a) => none(a)),
          { eval_time: `${firstDeadLetterStep}m`, alertname: 'TenantCdcDeadLetters', exp_alerts: [{
            exp_labels: { severity: 'warning', namespace, tenant: healthy },
            exp_annotations: Object.fromEntries(Object.entries(rendered(processorRules.find((r) => r.alert === 'TenantCdcDeadLetters'), { tenant: healthy }))
              .map(([k, v]) => [k, v.replace('{{ $value | printf "%.0f" }}', deadLetters.value)])) }] },
          none('TenantCdcDeadLetters', `${firstDeadLetterStep - 1}m`),
          { eval_time: `${firstUnroutedStep}m`, alertname: 'TenantCdcUnroutedEvents', exp_alerts: [{
            exp_labels: { severity: 'warning', namespace, group, database: 'InitechProd' },
            exp_annotations: Object.fromEntries(Object.entries(rendered(processorRules.find((r) => r.alert === 'TenantCdcUnroutedEvents'), { group, database: 'InitechProd' }))
              .map(([k, v]) => [k, v.replace('{{ $value | printf "%.0f" }}', '1')])) }] },
          none('TenantCdcUnroutedEvents', `${firstUnroutedStep - 1}m`),
        ],
      }],
    }));
    const result = spawnSync(promtoolPath(), ['test', 'rules', 'replay.test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });
});
