import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script shared with npm run synth:helm
import { escapeHelmTemplates } from '../scripts/helm-escape.mjs';
import { Manifest, parseManifests } from './support/synth';

/** The Helm chart `cdk8s synth --format helm` makes, checked with the real helm binary. */
const root = path.join(__dirname, '..');
let chartDir: string;

function helm(...args: string[]) {
  return spawnSync(process.env.HELM_BIN!, args, { encoding: 'utf8' });
}

function byName(objects: Manifest[]) {
  return Object.fromEntries(objects.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
}

beforeAll(() => {
  chartDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-helm-')), 'tenant-cdc');
  execFileSync('npx', ['cdk8s', 'synth', '--no-check-upgrade', '--format', 'helm', '--chart-version', '1.2.3', '--output', chartDir], { cwd: root, stdio: 'pipe' });
});

describe('the Helm chart', () => {
  test('passes helm lint', () => {
    const result = helm('lint', '--strict', chartDir);
    expect(result.stdout + result.stderr).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(result.status).toBe(0);
  });

  test('renders exactly the objects of the plain output', () => {
    const result = helm('template', 'cdc', chartDir, '--namespace', 'cdc');
    expect(result.status, result.stderr).toBe(0);
    const rendered = byName(parseManifests(result.stdout));
    const plain = byName(parseManifests(fs.readFileSync(path.join(root, 'dist', 'tenant-cdc.k8s.yaml'), 'utf8')));
    expect(Object.keys(rendered).sort()).toEqual(Object.keys(plain).sort());
    expect(rendered).toEqual(plain);
  });

  test('has the requested version and does not ship Strimzi\'s CRDs', () => {
    expect(fs.readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')).toMatch(/^version: "1\.2\.3"$/m);
    expect(fs.existsSync(path.join(chartDir, 'crds'))).toBe(false);
    expect(helm('template', 'cdc', chartDir).stdout).not.toMatch(/kind: CustomResourceDefinition/);
  });

  test('with monitoring on, renders the alerts\' own templates ({{ $labels.tenant }}) unchanged once npm run synth:helm escaped them', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-helm-monitoring-'));
    const tenantsFile = path.join(work, 'tenants.yaml');
    fs.writeFileSync(tenantsFile, `${fs.readFileSync(path.join(root, 'tenants.yaml'), 'utf8')}\nmonitoring:\n  labels: { release: prometheus }\n`);
    const env = { ...process.env, TENANTS_FILE: tenantsFile };
    const chart = path.join(work, 'tenant-cdc');
    execFileSync('npx', ['cdk8s', 'synth', '--no-check-upgrade', '--format', 'helm', '--chart-version', '1.2.3', '--output', chart], { cwd: root, stdio: 'pipe', env });
    // unescaped, Helm takes Prometheus's templates for its own
    expect(helm('template', 'cdc', chart).stderr).toMatch(/undefined variable "\$labels"/);
    escapeHelmTemplates(chart);
    const result = helm('template', 'cdc', chart, '--namespace', 'cdc');
    expect(result.status, result.stderr).toBe(0);
    execFileSync(process.execPath, [path.join(root, 'lib', 'main.js')], { cwd: work, stdio: 'pipe', env: { ...env, CDK8S_OUTDIR: path.join(work, 'plain') } });
    const plain = parseManifests(fs.readFileSync(path.join(work, 'plain', 'tenant-cdc.k8s.yaml'), 'utf8'));
    const rules = plain.filter((o) => o.kind === 'PrometheusRule');
    expect(JSON.stringify(rules)).toContain('{{ $labels.tenant }}');
    expect(byName(parseManifests(result.stdout))).toEqual(byName(plain));
    expect(helm('lint', '--strict', chart).status).toBe(0);
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('stays one file with output.split on: the same objects, no Argo CD Applications', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-helm-split-'));
    const tenantsFile = path.join(work, 'tenants.yaml');
    fs.writeFileSync(tenantsFile, `${fs.readFileSync(path.join(root, 'tenants.yaml'), 'utf8')}\noutput:\n  split: connect-cluster\n  argocd: { repoURL: "https://git.example.com/cdc.git" }\n`);
    const chart = path.join(work, 'tenant-cdc');
    execFileSync('npx', ['cdk8s', 'synth', '--no-check-upgrade', '--format', 'helm', '--chart-version', '1.2.3', '--output', chart],
      { cwd: root, stdio: 'pipe', env: { ...process.env, TENANTS_FILE: tenantsFile } });
    expect(fs.readdirSync(path.join(chart, 'templates'))).toEqual(['tenant-cdc.k8s.yaml']);
    const result = helm('template', 'cdc', chart, '--namespace', 'cdc');
    expect(result.status, result.stderr).toBe(0);
    expect(byName(parseManifests(result.stdout))).toEqual(byName(parseManifests(fs.readFileSync(path.join(root, 'dist', 'tenant-cdc.k8s.yaml'), 'utf8'))));
    // the same file outside a chart is split
    execFileSync(process.execPath, [path.join(root, 'lib', 'main.js')], { cwd: work, stdio: 'pipe', env: { ...process.env, TENANTS_FILE: tenantsFile, CDK8S_OUTDIR: path.join(work, 'plain') } });
    expect(fs.readdirSync(path.join(work, 'plain')).sort()).toEqual(['argocd', 'clusters', 'shared']);
    fs.rmSync(work, { recursive: true, force: true });
  });
});
