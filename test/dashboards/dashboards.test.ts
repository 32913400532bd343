import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import type { TenantsFile } from '../../src';
import { labelValuesVariables, metricNamesOf, panelQueries, resolveVariables } from '../../src/dashboards/dashboard-queries';
import { tenantCdcDashboards } from '../../src/dashboards/dashboards';
import { CONNECT_METRICS_CONFIG } from '../../src/metrics-config';
import { DEFAULT_ALERT_THRESHOLDS } from '../../src/monitoring/thresholds';
import { ProcessorMetrics } from '../../src/processor/metrics';
import { ofKind, synthPlatform } from '../support/synth';

/** Tenant ids no generic text contains, so a hard-coded one is found. */
const TENANT_IDS = ['zyxtenant-alpha', 'zyxtenant-beta'];

function monitoredFile(monitoring: TenantsFile['monitoring']): TenantsFile {
  return {
    namespace: 'cdc-dash',
    kafka: { bootstrapServers: 'kafka.example.com:9092' },
    connect: { name: 'zyxconnect', build: { image: 'registry.example.com/connect:1' }, clusters: [{ name: 'zyxconnect-b' }] },
    tenants: TENANT_IDS.map((id, i) => ({
      id, connect: i === 0 ? 'zyxconnect' : 'zyxconnect-b', database: { kind: 'postgres' as const, host: 'pg.example.com', name: id },
      credentials: { secret: `${id}-db` }, tables: ['public.orders'],
    })),
    monitoring,
  };
}

const dashboards = tenantCdcDashboards({ namespace: 'cdc-dash', thresholds: DEFAULT_ALERT_THRESHOLDS });
/** What each variable stands for in the checks below (Grafana puts in `.*` for a variable's "All"). */
const SAMPLE_VALUES = { datasource: 'prometheus', namespace: 'cdc-dash', cluster: '.*', tenant: 'acme', __rate_interval: '1m' };

function panelsOf(model: dashboard.Dashboard): dashboard.Panel[] {
  return (model.panels ?? []) as dashboard.Panel[];
}

describe.each(dashboards.map((d) => [d.model.title, d.model] as const))('%s', (_title, model) => {
  test('panel ids are unique, and every panel has a place on the 24-column grid that no other panel takes', () => {
    const panels = panelsOf(model);
    expect(panels.length).toBeGreaterThan(5);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => Number.isInteger(id) && id! > 0)).toBe(true);
    const cells = new Map<string, string>();
    for (const p of panels) {
      const g = p.gridPos!;
      expect(g.x + g.w, `${p.title} is wider than the grid`).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.get(`${x},${y}`), `${p.title} overlaps`).toBeUndefined();
          cells.set(`${x},${y}`, p.title!);
        }
      }
    }
  });

  test('every panel and query reads the data source the datasource variable chooses', () => {
    const variable = model.templating.list!.find((v) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panelsOf(model).filter((p) => p.type !== 'row')) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets!.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets! as Array<{ datasource?: unknown }>) expect(t.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
    for (const v of model.templating.list!.filter((v) => v.type === 'query')) expect(v.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });

  test('every panel has a title and a description, and every query a refId unique in its panel', () => {
    for (const p of panelsOf(model).filter((p) => p.type !== 'row')) {
      expect(p.title).toMatch(/\S/);
      expect(p.description?.length ?? 0, p.title).toBeGreaterThan(30);
      const refIds = (p.targets! as Array<{ refId?: string }>).map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
    }
  });

  test('every variable a query uses is defined by the dashboard or by Grafana', () => {
    const defined = new Set([...model.templating.list!.map((v) => v.name), '__rate_interval', '__range', '__interval']);
    for (const q of panelQueries(model, SAMPLE_VALUES)) {
      for (const [, braced, bare] of q.template.matchAll(/\$\{(\w+)\}|\$(\w+)/g)) expect(defined.has((braced ?? bare)!), `${q.panelTitle}: $${braced ?? bare}`).toBe(true);
    }
  });
});

describe('the generated dashboards', () => {
  test('have unique uids and titles, and each is written to <uid>.json', () => {
    expect(dashboards.map((d) => d.model.uid)).toEqual(['tenant-cdc-fleet', 'tenant-cdc-tenant', 'tenant-cdc-processor']);
    expect(new Set(dashboards.map((d) => d.model.title)).size).toBe(3);
    for (const d of dashboards) expect(d.fileName).toBe(`${d.model.uid}.json`);
  });

  test('the per-tenant view chooses its tenant from the running connectors, and no panel names a tenant of the tenants file', () => {
    const objects = synthPlatform(monitoredFile({ dashboards: {} }));
    const text = ofKind(objects, 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1').map((c) => JSON.stringify(c.data)).join('\n');
    expect(text.length).toBeGreaterThan(10_000);
    for (const id of [...TENANT_IDS, 'zyxconnect']) expect(text).not.toContain(id);
    const tenantView = dashboards.find((d) => d.model.uid === 'tenant-cdc-tenant')!.model;
    const tenant = labelValuesVariables(tenantView).find((v) => v.name === 'tenant')!;
    expect(tenant).toEqual({ name: 'tenant', label: 'connector', series: 'kafka_connect_connector_status{namespace="$namespace", strimzi_io_cluster=~"$cluster", status="running"}' });
    // every per-tenant query is about $tenant
    for (const q of panelQueries(tenantView, SAMPLE_VALUES)) expect(q.template, q.panelTitle).toMatch(/="\$tenant"/);
  });

  test('every query is PromQL that Prometheus parses (promtool check rules), with the variables put in', () => {
    const rules = dashboards.flatMap((d) => panelQueries(d.model, SAMPLE_VALUES).map((q) => ({
      record: `dashboard:${d.model.uid!.replace(/-/g, '_')}:panel_${q.panelId}_${q.refId}`, expr: q.expr,
    })));
    expect(rules.length).toBeGreaterThan(50);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboards-promql-'));
    try {
      fs.writeFileSync(path.join(dir, 'queries.yml'), stringify({ groups: [{ name: 'dashboards', rules }] }));
      const result = spawnSync(process.env.PROMTOOL_BIN!, ['check', 'rules', 'queries.yml'], { cwd: dir, encoding: 'utf8' });
      expect(`${result.stdout}${result.stderr}`).toContain(`SUCCESS: ${rules.length} rules found`);
      expect(result.status).toBe(0);
      // and a broken query is refused, so the check above can fail
      fs.writeFileSync(path.join(dir, 'broken.yml'), stringify({ groups: [{ name: 'b', rules: [{ record: 'r', expr: 'sum by (tenant (x)' }] }] }));
      expect(spawnSync(process.env.PROMTOOL_BIN!, ['check', 'rules', 'broken.yml'], { cwd: dir, encoding: 'utf8' }).status).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every metric a query reads is one the processor registers or one the Connect metrics rules (or the JVM) name', () => {
    const processorMetrics = new ProcessorMetrics().registry.getMetricsAsArray().flatMap((m) => String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]);
    // a rule's name with its $n captures as `[a-z0-9_]+`: `kafka_connect_$1_metrics_$4` names kafka_connect_source_task_metrics_…
    const ruleNames = (parse(CONNECT_METRICS_CONFIG).rules as Array<{ name: string }>)
      .map((r) => new RegExp(`^${r.name.split(/\$\d/).map((part) => part.replace(/[-_]/g, '_')).join('[a-z0-9_]+')}$`));
    const used = new Set(dashboards.flatMap((d) => panelQueries(d.model, SAMPLE_VALUES).flatMap((q) => metricNamesOf(q.expr))));
    expect(used.size).toBeGreaterThan(25);
    for (const metric of used) {
      if (metric.startsWith('tenant_cdc_')) expect(processorMetrics, metric).toContain(metric);
      else expect(metric.startsWith('jvm_') || ruleNames.some((name) => name.test(metric)), metric).toBe(true);
    }
  });

  test('resolveVariables names a variable it has no value for', () => {
    expect(resolveVariables('x{a="$tenant"}[${__rate_interval}]', { tenant: 't', __rate_interval: '1m' })).toBe('x{a="t"}[1m]');
    expect(() => resolveVariables('x{a="$tenant"}', { cluster: '.*' })).toThrow(/no value for variable \$tenant .*cluster/);
  });
});

describe('monitoring.dashboards', () => {
  test('is opt-in: no dashboard ConfigMap without it', () => {
    const objects = synthPlatform(monitoredFile({}));
    expect(ofKind(objects, 'ConfigMap').filter((c) => c.metadata.name.endsWith('-dashboard'))).toEqual([]);
  });

  test('writes one ConfigMap per dashboard, labelled for the sidecar (its label configurable), the JSON under <uid>.json', () => {
    const defaults = ofKind(synthPlatform(monitoredFile({ dashboards: {}, labels: { release: 'prometheus' } })), 'ConfigMap').filter((c) => c.metadata.name.endsWith('-dashboard'));
    expect(defaults.map((c) => c.metadata.name)).toEqual(['tenant-cdc-fleet-dashboard', 'tenant-cdc-tenant-dashboard', 'tenant-cdc-processor-dashboard']);
    for (const c of defaults) {
      expect(c.metadata).toMatchObject({ namespace: 'cdc-dash', labels: { grafana_dashboard: '1', release: 'prometheus', 'app.kubernetes.io/part-of': 'tenant-cdc' } });
      const [key, json] = Object.entries(c.data as Record<string, string>)[0];
      expect(key).toBe(`${c.metadata.name.replace(/-dashboard$/, '')}.json`);
      expect(JSON.parse(json)).toMatchObject({ uid: key.replace(/\.json$/, ''), templating: { list: expect.any(Array) } });
    }
    const custom = ofKind(synthPlatform(monitoredFile({ dashboards: { sidecarLabel: { 'example.com/grafana': 'fleet' } } })), 'ConfigMap').filter((c) => c.metadata.name.endsWith('-dashboard'));
    expect(custom.map((c) => c.metadata.labels)).toEqual(Array(3).fill(expect.objectContaining({ 'example.com/grafana': 'fleet' })));
    expect(custom[0].metadata.labels!.grafana_dashboard).toBeUndefined();
    expect(ofKind(synthPlatform(monitoredFile({ dashboards: { configMaps: false } })), 'ConfigMap').filter((c) => c.metadata.name.endsWith('-dashboard'))).toEqual([]);
  });

  test('a sidecar label of two labels, or a bad label value, is refused, saying where and what to write', () => {
    expect(() => synthPlatform(monitoredFile({ dashboards: { sidecarLabel: { a: '1', b: '2' } } }))).toThrow(/monitoring\.dashboards\.sidecarLabel.*one label.*grafana_dashboard/s);
    expect(() => synthPlatform(monitoredFile({ dashboards: { sidecarLabel: { grafana_dashboard: 'not ok!' } } }))).toThrow(/monitoring\.dashboards\.sidecarLabel.*"not ok!" is not a Kubernetes label value/s);
  });
});
