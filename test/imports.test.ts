import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script (npm run import)
import { importStrimzi, STRIMZI_IMPORTS } from '../scripts/import-strimzi.mjs';
// @ts-expect-error: a plain ES module script (npm run import)
import { importMonitoring, MONITORING_IMPORTS } from '../scripts/import-monitoring.mjs';
// @ts-expect-error: a plain ES module script (npm run import)
import { CRDS } from '../scripts/strimzi-crds.mjs';
import { strimziCrdsDir } from './support/schemas';

/** Runs an importer into a temporary folder: it must write exactly the committed files of its imports. */
function expectCommittedImports(importInto: (outdir: string) => void, imports: Record<string, string>, suffix: string): void {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-imports-'));
  try {
    importInto(out);
    const generated = fs.readdirSync(out).sort();
    expect(generated).toEqual(Object.keys(imports).map((prefix) => `${prefix}-${suffix}.ts`).sort());
    for (const file of generated) expect(fs.readFileSync(path.join(out, file), 'utf8'), file).toBe(fs.readFileSync(path.join(__dirname, '..', 'imports', file), 'utf8'));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** imports/ is exactly what `npm run import` makes from the CRDs Strimzi's own generator makes. */
test('npm run import regenerates the committed imports/ byte for byte', () => {
  expectCommittedImports(importStrimzi, STRIMZI_IMPORTS, 'kafka.strimzi.io');
});

test('the Strimzi CRDs are the ten of the 1.2.0 release, serving kafka.strimzi.io/v1 only', () => {
  expect(fs.readdirSync(strimziCrdsDir()).filter((f) => f.endsWith('.yaml')).sort()).toEqual(Object.keys(CRDS).sort());
  const connect = fs.readFileSync(path.join(strimziCrdsDir(), '041-Crd-kafkaconnect.yaml'), 'utf8');
  expect(connect).toMatch(/^  group: kafka\.strimzi\.io$/m);
  expect(connect.match(/^  - name: v\w+$/gm)).toEqual(['  - name: v1']);
});

/** The prometheus-operator imports are exactly what `npm run import` makes from the CRDs of its Go module. */
test('npm run import regenerates the committed monitoring imports byte for byte', () => {
  expectCommittedImports(importMonitoring, MONITORING_IMPORTS, 'monitoring.coreos.com');
}, 300_000);
