import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { CdcPlatform, ConnectAlerts, TenantsFile } from '../../src';
import { Manifest, ofKind, synthPlatform } from '../support/synth';

/** The tenants file the promtool tests in this folder (connect-alerts.test.yml, processor-alerts.test.yml) are written for. */
function monitoredFile(monitoring: TenantsFile['monitoring'] = { labels: { release: 'prometheus' } }): TenantsFile {
  const pg = (id: string, connect = 'debezium-connect') => ({ id, connect, database: { kind: 'postgres' as const, host: 'pg.example.com', name: id }, credentials: { secret: `${id}-db` }, tables: ['public.orders'] });
  return {
    namespace: 'cdc',
    kafka: { bootstrapServers: 'kafka.example.com:9092' },
    connect: { name: 'debezium-connect', build: { image: 'registry.example.com/connect:1' }, clusters: [{ name: 'debezium-connect-b' }] },
    sqlServerGroups: [{ name: 'grp', host: 'sql.example.com', credentials: { secret: 'grp-db' }, connect: 'debezium-connect' }],
    tenants: [
      pg('acme'), pg('globex'), pg('bad'), pg('umbrella'), pg('initech', 'debezium-connect-b'),
      { ...pg('stark'), heartbeatIntervalMs: 0 },
      { id: 'group-a', group: 'grp', database: { kind: 'sqlserver', name: 'GroupA' }, tables: ['dbo.Orders'] },
    ],
    monitoring,
  };
}

const isMonitoring = (m: Manifest) => m.apiVersion === 'monitoring.coreos.com/v1';

/** The rule groups of every synthesized PrometheusRule, as one promtool rule file. */
function ruleFile(objects: Manifest[]): string {
  return stringify({ groups: ofKind(objects, 'PrometheusRule').flatMap((r) => r.spec.groups) });
}

function promtool(args: string[], cwd: string): { status: number; output: string } {
  const bin = process.env.PROMTOOL_BIN;
  if (!bin) throw new Error('PROMTOOL_BIN is not set: run the tests with vitest, whose global setup builds promtool (scripts/tools.mjs)');
  const result = spawnSync(bin, args, { cwd, encoding: 'utf8' });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

describe('monitoring objects', () => {
  test('nothing without a monitoring block', () => {
    const { monitoring: _, ...file } = monitoredFile();
    expect(synthPlatform(file).filter(isMonitoring)).toEqual([]);
  });

  test('per Connect cluster a PodMonitor and a PrometheusRule, for the processor a ServiceMonitor and a PrometheusRule, all labelled', () => {
    const objects = synthPlatform(monitoredFile()).filter(isMonitoring);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'PodMonitor/debezium-connect-connect-metrics', 'PrometheusRule/debezium-connect-alerts',
      'PodMonitor/debezium-connect-b-connect-metrics', 'PrometheusRule/debezium-connect-b-alerts',
      'ServiceMonitor/debezium-connect-processor-metrics', 'PrometheusRule/debezium-connect-processor-alerts',
    ]);
    for (const o of objects) expect(o.metadata).toMatchObject({ namespace: 'cdc', labels: { release: 'prometheus', 'app.kubernetes.io/part-of': 'tenant-cdc' } });
    expect(objects).toMatchSnapshot();
  });

  test('the PodMonitor selects the cluster\'s Strimzi pods on tcp-prometheus and keeps their strimzi.io labels', () => {
    const monitor = ofKind(synthPlatform(monitoredFile()), 'PodMonitor').find((m) => m.metadata.name === 'debezium-connect-b-connect-metrics')!;
    expect(monitor.spec.selector).toEqual({ matchLabels: { 'strimzi.io/cluster': 'debezium-connect-b', 'strimzi.io/kind': 'KafkaConnect' } });
    expect(monitor.spec.podMetricsEndpoints).toEqual([{
      port: 'tcp-prometheus', path: '/metrics', relabelings: [{ action: 'labelmap', regex: '__meta_kubernetes_pod_label_(strimzi_io_.+)', replacement: '$1' }],
    }]);
  });

  test('the ServiceMonitor selects the processor\'s metrics Service and its named port', () => {
    const objects = synthPlatform(monitoredFile());
    const service = ofKind(objects, 'Service').find((s) => s.metadata.name === 'debezium-connect-processor-metrics')!;
    const monitor = ofKind(objects, 'ServiceMonitor')[0];
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => service.metadata.labels![k] === v)).toBe(true);
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics' }]);
    expect(service.spec.ports.map((p: any) => p.name)).toContain('http');
  });

  test('alerts: false and podMonitors: false leave out what they name', () => {
    expect(synthPlatform(monitoredFile({ alerts: false })).filter(isMonitoring).map((o) => o.kind)).toEqual(['PodMonitor', 'PodMonitor', 'ServiceMonitor']);
    expect(synthPlatform(monitoredFile({ podMonitors: false })).filter(isMonitoring).map((o) => o.kind)).toEqual(['PrometheusRule', 'PrometheusRule', 'PrometheusRule']);
  });

  test('a tenant without heartbeats is left out of the stall alert, with a warning that says so', () => {
    const chart = new Chart(Testing.app(), 'test');
    const platform = new CdcPlatform(chart, 'cdc', monitoredFile());
    expect(platform.warnings.filter((w) => w.startsWith('monitoring:'))).toEqual([
      'monitoring: connector stark sends heartbeats never, so a quiet database cannot be told from a stalled stream within thresholds.stalledMinutes (15): '
        + 'TenantCdcStreamingStalled leaves it out; set heartbeatIntervalMs to at most half of that window to have it watched',
    ]);
    const stalled = platform.node.findAll().filter((c): c is ConnectAlerts => c instanceof ConnectAlerts)
      .map((a) => String(a.rules.find((r) => r.alert === 'TenantCdcStreamingStalled')!.expr.value));
    expect(stalled[0]).toContain('connector!~"stark"');
    expect(stalled[1]).not.toContain('connector!~');
  });

  test('thresholds change the expressions and are checked by the tenants file schema', () => {
    const objects = synthPlatform(monitoredFile({ thresholds: { stalledMinutes: 30, snapshotHours: 2, processorLag: 5, deadLetters: 3, streamingLagMinutes: 1 } }));
    const exprs = ofKind(objects, 'PrometheusRule').flatMap((r) => r.spec.groups[0].rules).map((r: any) => r.expr).join('\n');
    for (const part of ['[30m]', '> 7200', '> 5\n', ' > 60\n', '< 1800000', ') > 3']) expect(exprs).toContain(part);
    expect(() => synthPlatform(monitoredFile({ thresholds: { stalledMinutes: 0 } }))).toThrow(/monitoring\.thresholds\.stalledMinutes/);
    expect(() => synthPlatform(monitoredFile({ labels: { 'bad key!': 'x' } }))).toThrow(/monitoring\.labels/);
  });
});

describe('the alerting rules with the real promtool', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-rules-'));
    fs.writeFileSync(path.join(dir, 'rules.yml'), ruleFile(synthPlatform(monitoredFile())));
    for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.yml'))) fs.copyFileSync(path.join(__dirname, file), path.join(dir, file));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('promtool check rules accepts them, lint included', () => {
    const result = promtool(['check', 'rules', '--lint=all', '--lint-fatal', 'rules.yml'], dir);
    expect(result.output).toMatch(/SUCCESS: 17 rules found/);
    expect(result.status, result.output).toBe(0);
  });

  test('promtool test rules: every alert fires where it should, and not where it should not', () => {
    const result = promtool(['test', 'rules', 'connect-alerts.test.yml', 'processor-alerts.test.yml'], dir);
    expect(result.status, result.output).toBe(0);
  });

  test('the promtool tests cover every alert, each with a case that fires and one that does not', () => {
    const alerts = parse(fs.readFileSync(path.join(dir, 'rules.yml'), 'utf8')).groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    const cases = ['connect-alerts.test.yml', 'processor-alerts.test.yml']
      .flatMap((f) => parse(fs.readFileSync(path.join(__dirname, f), 'utf8')).tests.flatMap((t: any) => t.alert_rule_test));
    for (const alert of new Set(alerts)) {
      const mine = cases.filter((c: any) => c.alertname === alert);
      expect(mine.some((c: any) => c.exp_alerts.length > 0), `${alert} fires somewhere`).toBe(true);
      expect(mine.some((c: any) => c.exp_alerts.length === 0), `${alert} stays quiet somewhere`).toBe(true);
    }
  });
});
