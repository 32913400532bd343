import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { CdcPlatform } from '../src';
import { renderApp } from '../src/app/manifests';
import { copyProject } from './support/project-copy';
import { generatedTenants } from './support/tenants';

/**
 * `npm run synth` as a user runs it, in a copy of the project: it writes the committed dist/, a bad
 * tenants file fails with the problems listed and leaves dist/ exactly as it was, and files of charts
 * that are no longer produced do not survive. Plain `cdk8s synth` still works for cdk8s users.
 */
const root = path.join(__dirname, '..');
let project: string;

function npmRunSynth(tenantsFile: string, env: Record<string, string> = {}) {
  return spawnSync('npm', ['run', '--silent', 'synth'], { cwd: project, encoding: 'utf8', env: { ...process.env, TENANTS_FILE: tenantsFile, ...env } });
}

function npmRunPlan(tenantsFile: string, args: string[] = [], env: Record<string, string> = {}) {
  return spawnSync('npm', ['run', '--silent', 'plan', '--', ...args], { cwd: project, encoding: 'utf8', env: { ...process.env, TENANTS_FILE: tenantsFile, ...env } });
}

/** The default tenants.yaml, edited, written into the project copy as `name`. */
function editedTenants(name: string, edit: (yaml: string) => string): string {
  fs.writeFileSync(path.join(project, name), edit(fs.readFileSync(path.join(root, 'tenants.yaml'), 'utf8')));
  return name;
}

/** A second Connect cluster: rendezvous hashing moves some of the default file's tenants to it. */
const withSecondCluster = (yaml: string) => yaml.replace('connect:\n', 'connect:\n  clusters: [{ name: debezium-connect-b }]\n');

/** Every file below `dir` (a split output has folders), by path relative to it. */
function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries((fs.readdirSync(dir, { recursive: true }) as string[]).sort()
    .filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

function committedDist(): Record<string, string> {
  return snapshotDir(path.join(root, 'dist'));
}

beforeAll(() => {
  project = copyProject('tenant-cdc-synth-');
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

describe('npm run synth', () => {
  test('writes the committed dist/ from the default tenants.yaml (dist/ is fresh)', () => {
    fs.rmSync(path.join(project, 'dist'), { recursive: true });
    const result = npmRunSynth('tenants.yaml');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^tenants\.yaml: 6 tenants, wrote dist\/tenant-cdc\.k8s\.yaml\nKafka footprint \(partitions before replication\):\n  debezium-connect: 6 connectors, 6 tasks, \d+ topics/);
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(committedDist());
  });

  test('removes the file of a chart that is no longer produced, and leaves nothing beside dist/', () => {
    fs.writeFileSync(path.join(project, 'dist', 'removed-chart.k8s.yaml'), 'kind: ConfigMap\n');
    const result = npmRunSynth('tenants.yaml');
    expect(result.status, result.stderr).toBe(0);
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(committedDist());
    expect(fs.readdirSync(project).filter((f) => f.includes('dist'))).toEqual(['dist']);
  });

  test('writes, with the YAML on a second thread, byte for byte what renderApp writes on one (500 generated tenants)', () => {
    const file = generatedTenants(500, { seed: 11 });
    fs.writeFileSync(path.join(project, 'generated.yaml'), stringify(file));
    const result = npmRunSynth('generated.yaml', { CDK8S_OUTDIR: 'dist-generated' });
    expect(result.status, result.stderr).toBe(0);
    const app = new App();
    new CdcPlatform(new Chart(app, 'tenant-cdc', { disableResourceNameHashes: true }), 'cdc', file);
    expect(fs.readFileSync(path.join(project, 'dist-generated', 'tenant-cdc.k8s.yaml'), 'utf8')).toBe(renderApp(app).get('tenant-cdc.k8s.yaml'));
    fs.rmSync(path.join(project, 'dist-generated'), { recursive: true });
  });

  test('compiles a changed source before it runs, and only then', () => {
    const source = path.join(project, 'src', 'main.ts');
    const original = fs.readFileSync(source, 'utf8');
    expect(original).toContain("const tenantsFile = process.env.TENANTS_FILE ?? 'tenants.yaml';");
    try {
      fs.writeFileSync(source, original.replace("const tenantsFile = process.env.TENANTS_FILE ?? 'tenants.yaml';", "const tenantsFile = process.env.TENANTS_FILE ?? 'tenants.yaml';\n  console.error('built from the edited source');"));
      const edited = npmRunSynth('tenants.yaml');
      expect(edited.status, edited.stderr).toBe(0);
      expect(edited.stderr).toContain('built from the edited source');
      const stamp = fs.statSync(path.join(project, 'lib', '.build-stamp')).mtimeMs;
      const again = npmRunSynth('tenants.yaml');
      expect(again.status, again.stderr).toBe(0);
      expect(fs.statSync(path.join(project, 'lib', '.build-stamp')).mtimeMs).toBe(stamp);
    } finally {
      fs.writeFileSync(source, original);
    }
    const restored = npmRunSynth('tenants.yaml');
    expect(restored.stderr).not.toContain('built from the edited source');
  });

  test.each([
    ['a rule broken', (yaml: string) => yaml.replace('id: globex', 'id: Globex'), /tenants\[1\]\.id: a tenant id must be a DNS-1123 label.*\(bad\.yaml:\d+:\d+\)/],
    ['YAML syntax broken', (yaml: string) => `${yaml}\n  - id: [unclosed\n`, /not valid YAML at bad\.yaml:\d+:\d+/],
    ['the file missing', null, /cannot read "bad\.yaml": ENOENT; set TENANTS_FILE/],
  ])('fails with %s and leaves dist/ untouched', (_, breakIt, expected) => {
    const before = snapshotDir(path.join(project, 'dist'));
    const bad = path.join(project, 'bad.yaml');
    fs.rmSync(bad, { force: true });
    if (breakIt) fs.writeFileSync(bad, breakIt(fs.readFileSync(path.join(root, 'tenants.yaml'), 'utf8')));
    const result = npmRunSynth('bad.yaml');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(expected);
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
    expect(fs.readdirSync(project).filter((f) => f.includes('dist'))).toEqual(['dist']);
  });
});

describe('guards: what would hurt the running system is refused unless allowed', () => {
  test('a change that makes existing tenants snapshot again leaves dist/ as it is; allowed, it goes through', () => {
    fs.rmSync(path.join(project, 'dist'), { recursive: true, force: true });
    expect(npmRunSynth('tenants.yaml').status).toBe(0);
    const before = snapshotDir(path.join(project, 'dist'));
    const file = editedTenants('sharded.yaml', withSecondCluster);
    const refused = npmRunSynth(file);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^sharded\.yaml: dist\/ was left as it is; npm run plan shows every change\.\n\d+ tenants? would snapshot again a database tenant-cdc captures now:\n    \S+: moves from Connect cluster debezium-connect to debezium-connect-b/);
    expect(refused.stderr).toContain('TENANT_CDC_ALLOW_RESNAPSHOT=true');
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
    const allowed = npmRunSynth(file, { TENANT_CDC_ALLOW_RESNAPSHOT: 'true' });
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(fs.readFileSync(path.join(project, 'dist', 'tenant-cdc.k8s.yaml'), 'utf8')).toContain('name: debezium-connect-b');
    // back to the committed output, for the other tests
    expect(npmRunSynth('tenants.yaml', { TENANT_CDC_ALLOW_RESNAPSHOT: 'true' }).status).toBe(0);
  });

  test('a tenant renamed (the same database under a new id) is refused unless allowed, and npm run plan says why', () => {
    const before = snapshotDir(path.join(project, 'dist'));
    const renamed = editedTenants('renamed.yaml', (yaml) => yaml.replace('  - id: umbrella\n', '  - id: umbrella-eu\n'));
    const refused = npmRunSynth(renamed);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('1 tenant would snapshot again a database tenant-cdc captures now:\n    umbrella-eu: the same database as removed tenant umbrella '
      + '(postgres pg-umbrella.postgres.database.azure.com:5432, database umbrella): it snapshots again, under new topics (umbrella-eu.*)');
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
    const plan = npmRunPlan(renamed);
    expect(plan.status).toBe(3);
    expect(plan.stdout).toContain('  ! umbrella-eu [snapshot, resnapshot] (Connect cluster debezium-connect)');
    expect(plan.stdout).toContain('SELECT pg_drop_replication_slot(\'dbz_umbrella\');');
  });

  test('deleting most connectors at once is refused; adding, pausing and editing tables never are', () => {
    const most = editedTenants('most-removed.yaml', (yaml) => yaml.replace(/\n  - id: (globex|hooli|initech|stark)\b[\s\S]*?(?=\n  - id: |$)/g, ''));
    const refused = npmRunSynth(most);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/connectors would be deleted at once, more than 1 \(10 %, TENANT_CDC_MAX_REMOVED_SHARE\)/);
    const harmless = editedTenants('harmless.yaml', (yaml) => yaml.replace('tables: [dbo.Orders, sales.Invoices]', 'tables: [dbo.Orders, sales.Invoices, sales.Refunds]').replace('state: paused', 'state: running'));
    const result = npmRunSynth(harmless);
    expect(result.status, result.stderr).toBe(0);
    expect(npmRunSynth('tenants.yaml').status).toBe(0);
  });

  test('npm run plan: exit 0 without changes, 2 with changes, 3 when synth would refuse them; --json for machines', () => {
    expect(npmRunPlan('tenants.yaml').status).toBe(0);
    const harmless = npmRunPlan(editedTenants('harmless.yaml', (yaml) => yaml.replace('state: paused', 'state: running')));
    expect(harmless.status, harmless.stderr).toBe(2);
    expect(harmless.stdout).toMatch(/^Plan: 0 tenants added, 0 removed, 1 changed; 6 → 6 tenants\./);
    expect(harmless.stdout).toMatch(/~ stark \[state\] \(Connect cluster debezium-connect\)\n      resumes \(was paused\) from its offsets/);
    const moving = npmRunPlan(editedTenants('sharded.yaml', withSecondCluster), ['--json']);
    expect(moving.status).toBe(3);
    const json = JSON.parse(moving.stdout);
    expect(json.summary.resnapshot).toBeGreaterThan(0);
    expect(json.refused).toHaveLength(1);
  });

  test('an output over kafka.budget fails with the numbers and no stack trace, and leaves dist/ as it is', () => {
    const before = snapshotDir(path.join(project, 'dist'));
    const file = editedTenants('budget.yaml', (yaml) => yaml.replace('  auth:\n', '  budget: { partitions: 10 }\n  auth:\n'));
    const result = npmRunSynth(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/kafka\.budget\.partitions: the output needs \d+ partitions before replication/);
    expect(result.stderr).not.toMatch(/    at /);
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
  });
});

describe('a split output (output.split: connect-cluster)', () => {
  const outdir = { CDK8S_OUTDIR: 'dist-split' };
  const split = (yaml: string) => `${withSecondCluster(yaml)}\noutput:\n  split: connect-cluster\n  argocd: { repoURL: "https://git.example.com/cdc.git", path: dist-split }\n`;

  test('writes a folder per Connect cluster, shared/ and argocd/; npm run plan reads every folder', () => {
    const file = editedTenants('split.yaml', split);
    const result = npmRunSynth(file, outdir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^split\.yaml: 6 tenants, wrote 4 files to dist-split\/\n/);
    expect(Object.keys(snapshotDir(path.join(project, 'dist-split')))).toEqual([
      'argocd/applications.k8s.yaml', 'clusters/debezium-connect-b/tenant-cdc.k8s.yaml', 'clusters/debezium-connect/tenant-cdc.k8s.yaml', 'shared/tenant-cdc.k8s.yaml',
    ]);
    expect(npmRunPlan(file, [], outdir).status).toBe(0);
    // the same objects as the unsplit output of the same file: no change, whichever way it is laid out
    const unsplit = editedTenants('unsplit.yaml', withSecondCluster);
    const plan = npmRunPlan(unsplit, ['--against', 'dist-split']);
    expect(plan.status, plan.stdout).toBe(0);
    // and as committed at a git ref
    const git = (...args: string[]) => spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: project, encoding: 'utf8' });
    expect(git('init', '-q').status).toBe(0);
    expect(git('add', 'dist-split').status).toBe(0);
    expect(git('commit', '-q', '-m', 'split output').status).toBe(0);
    const atRef = npmRunPlan(unsplit, ['--against', 'HEAD'], outdir);
    expect(atRef.status, atRef.stdout + atRef.stderr).toBe(0);
    fs.rmSync(path.join(project, '.git'), { recursive: true });
  });

  test('a bad tenants file and a refused change leave every folder as it was', () => {
    const before = snapshotDir(path.join(project, 'dist-split'));
    const bad = editedTenants('bad-split.yaml', (yaml) => split(yaml).replace('split: connect-cluster', 'split: per-cluster'));
    const broken = npmRunSynth(bad, outdir);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/output\.split: "per-cluster" is not a valid output split; use one of: none, connect-cluster \(bad-split\.yaml:\d+:\d+\)/);
    const most = editedTenants('most-removed-split.yaml', (yaml) => split(yaml).replace(/\n  - id: (globex|hooli|initech|stark)\b[\s\S]*?(?=\n  - id: |\noutput:)/g, ''));
    const refused = npmRunSynth(most, outdir);
    expect(refused.status, refused.stdout).toBe(1);
    expect(refused.stderr).toMatch(/^most-removed-split\.yaml: dist-split\/ was left as it is;[\s\S]*connectors would be deleted at once/);
    expect(snapshotDir(path.join(project, 'dist-split'))).toEqual(before);
    expect(fs.readdirSync(project).filter((f) => f.includes('dist-split'))).toEqual(['dist-split']);
  });

  test('turned off, the one file replaces the folders', () => {
    const result = npmRunSynth(editedTenants('unsplit.yaml', withSecondCluster), outdir);
    expect(result.status, result.stderr).toBe(0);
    expect(Object.keys(snapshotDir(path.join(project, 'dist-split')))).toEqual(['tenant-cdc.k8s.yaml']);
    fs.rmSync(path.join(project, 'dist-split'), { recursive: true });
  });
});

describe('Grafana dashboards as files (monitoring.dashboards.files, npm run dashboards)', () => {
  const withDashboards = (files: string) => (yaml: string) => `${yaml}\nmonitoring:\n  dashboards: { files: ${files} }\n`;
  const DASHBOARD_FILES = ['tenant-cdc-fleet.json', 'tenant-cdc-processor.json', 'tenant-cdc-tenant.json'];

  test('synth writes the dashboards\' JSON into the folder named, and their ConfigMaps into dist/', () => {
    const result = npmRunSynth(editedTenants('dashboards.yaml', withDashboards('grafana')), { CDK8S_OUTDIR: 'dist-dashboards' });
    expect(result.status, result.stderr).toBe(0);
    expect(fs.readdirSync(path.join(project, 'grafana')).sort()).toEqual(DASHBOARD_FILES);
    const fleet = JSON.parse(fs.readFileSync(path.join(project, 'grafana', 'tenant-cdc-fleet.json'), 'utf8'));
    expect(fleet).toMatchObject({ uid: 'tenant-cdc-fleet', title: 'tenant-cdc / Fleet overview' });
    expect(fs.readFileSync(path.join(project, 'dist-dashboards', 'tenant-cdc.k8s.yaml'), 'utf8')).toContain('name: tenant-cdc-fleet-dashboard');
    fs.rmSync(path.join(project, 'dist-dashboards'), { recursive: true });
  });

  test('a files folder inside the output folder is refused (Argo CD would read the JSON as manifests), and dist/ is left as it is', () => {
    const before = snapshotDir(path.join(project, 'dist'));
    const result = npmRunSynth(editedTenants('dashboards-in-dist.yaml', withDashboards('dist/grafana')));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/monitoring\.dashboards\.files is "dist\/grafana", inside the output folder dist\/.*dist\/ was left as it is\. Name a folder beside it, e\.g\. "dashboards"\./s);
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(before);
  });

  test('npm run dashboards writes them for any tenants file, monitoring or not', () => {
    const result = spawnSync('npm', ['run', '--silent', 'dashboards', '--', 'exported'], { cwd: project, encoding: 'utf8', env: { ...process.env, TENANTS_FILE: 'tenants.yaml' } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('tenants.yaml: wrote the Grafana dashboards to exported/');
    expect(fs.readdirSync(path.join(project, 'exported')).sort()).toEqual(DASHBOARD_FILES);
    // the namespace variable starts at the tenants file's namespace
    const tenant = JSON.parse(fs.readFileSync(path.join(project, 'exported', 'tenant-cdc-tenant.json'), 'utf8'));
    expect(tenant.templating.list.find((v: { name: string }) => v.name === 'namespace').current).toEqual({ text: 'cdc', value: 'cdc' });
  });
});

describe('plain cdk8s synth (the CLI) for cdk8s users', () => {
  test('writes the same dist/, quietly', () => {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: project, encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).toBe(0);
    fs.writeFileSync(path.join(project, 'dist', 'removed-chart.k8s.yaml'), 'kind: ConfigMap\n');
    const result = spawnSync('npx', ['cdk8s', 'synth', '--no-check-upgrade'], { cwd: project, encoding: 'utf8', env: { ...process.env, TENANTS_FILE: 'tenants.yaml' } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(committedDist());
  });
});
