// `npm run import`: regenerates imports/ with `cdk8s import` from the Strimzi 1.2.0 CRDs that
// scripts/strimzi-crds.mjs makes with Strimzi's own generator. imports/ is committed and never edited.
//
//   node scripts/import-strimzi.mjs [outdir]     default imports
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strimziCrdsDir } from './strimzi-crds.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The generated modules: prefix (file name and class namespace) to CRD file. */
export const STRIMZI_IMPORTS = {
  'strimzi-connect': '041-Crd-kafkaconnect.yaml',
  'strimzi-connector': '047-Crd-kafkaconnector.yaml',
  'strimzi-user': '044-Crd-kafkauser.yaml',
};

export function importStrimzi(outdir = join(root, 'imports')) {
  cdk8sImport(strimziCrdsDir(), STRIMZI_IMPORTS, outdir);
}

/** Runs `cdk8s import` for each prefix of `imports` on its CRD file in `crdsDir`, into `outdir`. */
export function cdk8sImport(crdsDir, imports, outdir) {
  // one spec per call: the CLI takes only the first of several
  for (const [prefix, file] of Object.entries(imports)) {
    execFileSync(join(root, 'node_modules', '.bin', 'cdk8s'), ['import', '--no-check-upgrade', '--language', 'typescript', '--no-save',
      '--output', resolve(outdir), `${prefix}:=${join(crdsDir, file)}`], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) importStrimzi(process.argv[2]);
