import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { beforeAll, describe, expect, test } from 'vitest';

/**
 * `npm run synth` as a user runs it, in a copy of the project: a bad tenants file must fail with the
 * problems listed and leave dist/ exactly as it was (cdk8s synth deletes its output folder first).
 */
const root = path.join(__dirname, '..');
let project: string;

function npmRunSynth(tenantsFile: string) {
  return spawnSync('npm', ['run', '--silent', 'synth'], { cwd: project, encoding: 'utf8', env: { ...process.env, TENANTS_FILE: tenantsFile } });
}

function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-synth-'));
  for (const entry of ['package.json', 'cdk8s.yaml', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.imports.json', 'tenants.yaml', 'src', 'dist']) {
    fs.cpSync(path.join(root, entry), path.join(project, entry), { recursive: true });
  }
  fs.mkdirSync(path.join(project, 'imports'));
  for (const file of fs.readdirSync(path.join(root, 'imports')).filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))) {
    fs.copyFileSync(path.join(root, 'imports', file), path.join(project, 'imports', file));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(project, 'node_modules'));
});

describe('npm run synth', () => {
  test('writes the committed dist/ from the default tenants.yaml (dist/ is fresh)', () => {
    fs.rmSync(path.join(project, 'dist'), { recursive: true });
    const result = npmRunSynth('tenants.yaml');
    expect(result.status, result.stderr).toBe(0);
    expect(snapshotDir(path.join(project, 'dist'))).toEqual(snapshotDir(path.join(root, 'dist')));
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
  });
});
