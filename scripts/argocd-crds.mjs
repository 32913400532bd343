// The Argo CD 3.6.1 CRDs (Application, ApplicationSet, AppProject, API argoproj.io/v1alpha1), for the tests
// that apply the Applications of a split output to a real API server. Argo CD publishes them in its Go
// module (manifests/crds/), so they come from the Go module proxy like the other Go tools here, checked
// against the go.sum hash pinned below. Nothing of them is committed.
//
//   node scripts/argocd-crds.mjs      prints the folder holding the CRD files (extracting them once)
//
// Needs Go (any version: `go mod download` fetches the zip, then complains that building Argo CD needs a
// newer Go, which does not matter here) and Python 3 (to read the zip). ARGOCD_CRDS_DIR, when set, names a
// folder to use instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedFolder } from './cached-folder.mjs';

export const ARGOCD_VERSION = '3.6.1';
const MODULE = 'github.com/argoproj/argo-cd/v3';
// the module zip's hash as go.sum has it (h1: dirhash of the files), checked by `go mod download` against
// sum.golang.org when it fetches, and here again against the copy in the module cache
const ZIP_HASH = 'h1:OmhqeKiR3C//awbFrhQqFdtRI+Qiv17j8vqm3UkMj/g=';
const FILES = ['application-crd.yaml', 'applicationset-crd.yaml', 'appproject-crd.yaml'];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const home = join(root, '.cache', `argocd-${ARGOCD_VERSION}`);

/** The module zip in Go's module cache, downloaded when missing. */
function moduleZip() {
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' };
  const cache = execFileSync('go', ['env', 'GOMODCACHE'], { env, encoding: 'utf8' }).trim();
  const download = join(cache, 'cache', 'download', ...MODULE.split('/'), '@v');
  const zip = join(download, `v${ARGOCD_VERSION}.zip`);
  if (!existsSync(zip)) {
    // the exit code says whether Argo CD would build with this Go, not whether the zip arrived: check the zip
    const result = spawnSync('go', ['mod', 'download', `${MODULE}@v${ARGOCD_VERSION}`], { cwd: root, env, encoding: 'utf8' });
    if (!existsSync(zip)) throw new Error(`go mod download ${MODULE}@v${ARGOCD_VERSION} did not leave ${zip} (exit ${result.status}):\n${result.stderr}`);
  }
  const hash = readFileSync(join(download, `v${ARGOCD_VERSION}.ziphash`), 'utf8').trim();
  if (hash !== ZIP_HASH) throw new Error(`${zip} has hash ${hash}, expected ${ZIP_HASH}; remove it and run again`);
  return zip;
}

/** The folder with the three CRD files: ARGOCD_CRDS_DIR when set, else .cache/argocd-<version>/crds, extracted on first use. */
export function argocdCrdsDir() {
  if (process.env.ARGOCD_CRDS_DIR) return process.env.ARGOCD_CRDS_DIR;
  return cachedFolder(join(home, 'crds'), (partial) => {
    const members = FILES.map((f) => `${MODULE}@v${ARGOCD_VERSION}/manifests/crds/${f}`);
    execFileSync('python3', ['-c', `import sys, zipfile, os
z = zipfile.ZipFile(sys.argv[1])
for member in sys.argv[3:]:
    open(os.path.join(sys.argv[2], os.path.basename(member)), 'wb').write(z.read(member))`, moduleZip(), partial, ...members], { stdio: ['ignore', 'ignore', 'inherit'] });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(argocdCrdsDir());
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
