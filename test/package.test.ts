import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseManifests } from './support/synth';

/**
 * Contract 3: another cdk8s project installs the packed npm package (with its peer dependencies),
 * compiles against its type declarations and synthesizes CdcPlatform from a tenants file.
 */
const root = path.join(__dirname, '..');
let consumer: string;

const CONSUMER_MAIN = `import { App, Chart } from 'cdk8s';
import { CdcPlatform, loadTenantsFile, MariaDbConnector, PostgresConnector, ConnectCluster } from 'tenant-cdc';

const app = new App({ outdir: 'out' });
const chart = new Chart(app, 'infra', { disableResourceNameHashes: true });
const platform = new CdcPlatform(chart, 'cdc', loadTenantsFile('tenants.yaml'));
// the lower-level constructs are exported too
const cluster = ConnectCluster.fromConnectClusterName(chart, 'Other', { name: 'other', namespace: 'ops', kafka: { bootstrapServers: 'k:9092' } });
new PostgresConnector(chart, 'Extra', { cluster, tenantId: 'extra', database: { host: 'pg', name: 'extra' }, credentials: { secret: 'extra-db' }, tables: ['public.t'] });
new MariaDbConnector(chart, 'ExtraMaria', { cluster, tenantId: 'extra-maria', database: { host: 'maria', name: 'em' }, credentials: { secret: 'em-db' }, tables: ['em.t'] });
console.log(platform.config.tenants.length);
app.synth();
`;

beforeAll(() => {
  consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-consumer-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', consumer], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  const own = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const peers = Object.keys(own.peerDependencies).map((name) => `${name}@${own.devDependencies[name]}`);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'infra', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', path.join(consumer, tarball), ...peers], { cwd: consumer, stdio: 'pipe' });
  fs.copyFileSync(path.join(root, 'test', 'fixtures', 'scram-mixed.yaml'), path.join(consumer, 'tenants.yaml'));
  fs.writeFileSync(path.join(consumer, 'main.ts'), CONSUMER_MAIN);
}, 300_000);

describe('the packed package', () => {
  test('ships compiled code, declarations and the JSON Schema, but no sources or tests', () => {
    const files = execFileSync('find', ['node_modules/tenant-cdc', '-type', 'f'], { cwd: consumer, encoding: 'utf8' }).split('\n');
    expect(files).toContain('node_modules/tenant-cdc/lib/index.d.ts');
    expect(files).toContain('node_modules/tenant-cdc/imports/strimzi-connector-kafka.strimzi.io.js');
    expect(files).toContain('node_modules/tenant-cdc/tenants.schema.json');
    // the README's links to docs/ work in the installed package too
    expect(files).toContain('node_modules/tenant-cdc/README.md');
    expect(files).toContain('node_modules/tenant-cdc/docs/tenants-file.md');
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.includes('/test/') || f.includes('/src/'))).toEqual([]);
  });

  test('type-checks and synthesizes CdcPlatform in another cdk8s project', () => {
    const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
    execFileSync(tsc, ['--strict', '--module', 'commonjs', '--target', 'ES2022', '--moduleResolution', 'node', '--esModuleInterop', '--skipLibCheck', 'main.ts'], { cwd: consumer, stdio: 'pipe' });
    const stdout = execFileSync('node', ['main.js'], { cwd: consumer, encoding: 'utf8' });
    expect(stdout.trim()).toBe('8');
    const objects = parseManifests(fs.readFileSync(path.join(consumer, 'out', 'infra.k8s.yaml'), 'utf8'));
    expect(objects.filter((o) => o.kind === 'KafkaConnector').map((o) => o.metadata.name).sort())
      .toEqual(['alpha', 'beta', 'delta', 'epsilon', 'eta', 'extra', 'extra-maria', 'gamma', 'theta', 'zeta']);
    expect(objects.find((o) => o.kind === 'KafkaConnect')!.metadata.name).toBe('tenants-eu');
  });
});
