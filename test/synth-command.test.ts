import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyProject } from './support/project-copy';

/**
 * `npm run synth` as a user runs it, in a copy of the project: it writes the committed dist/, a bad
 * tenants file fails with the problems listed and leaves dist/ exactly as it was, and files of charts
 * that are no longer produced do not survive. Plain `cdk8s synth` still works for cdk8s users.
 */
const root = path.join(__dirname, '..');
let project: string;

function npmRunSynth(tenantsFile: string) {
  return spawnSync('npm', ['run', '--silent', 'synth'], { cwd: project, encoding: 'utf8', env: { ...process.env, TENANTS_FILE: tenantsFile } });
}

function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
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
    expect(result.stdout).toBe('tenants.yaml: 6 tenants, wrote dist/tenant-cdc.k8s.yaml\n');
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(committedDist());
  });

  test('removes the file of a chart that is no longer produced, and leaves nothing beside dist/', () => {
    fs.writeFileSync(path.join(project, 'dist', 'removed-chart.k8s.yaml'), 'kind: ConfigMap\n');
    const result = npmRunSynth('tenants.yaml');
    expect(result.status, result.stderr).toBe(0);
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(committedDist());
    expect(fs.readdirSync(project).filter((f) => f.includes('dist'))).toEqual(['dist']);
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
