// A real Kubernetes API server for the tests, as plain processes on 127.0.0.1 (no Docker, no kubelet):
// kube-apiserver and kubectl built from the Go module proxy (no registry ships them as binaries), and etcd
// from Debian's etcd-server package. RBAC authorization is on, and ServiceAccount tokens are issued by the
// TokenRequest API, so the generated Roles are enforced exactly as in a cluster.
//
//   node scripts/kube.mjs build                 builds kube-apiserver and kubectl into .cache/ (once, about 4 min)
//   node scripts/kube.mjs start [--dir DIR]     starts etcd and kube-apiserver, prints the kubeconfig's path
//   node scripts/kube.mjs stop [--dir DIR]      stops them
//
// Tests, the demo and CI import the functions.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from './ports.mjs';

export const KUBERNETES_VERSION = 'v1.36.3';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache');
const home = join(cache, `kubernetes-${KUBERNETES_VERSION}`);

/**
 * Builds kube-apiserver and kubectl from the Go module proxy into .cache/kubernetes-<version>/bin, once.
 * k8s.io/kubernetes points its staging modules (k8s.io/api, k8s.io/client-go, ...) at folders inside its own
 * repository, which `go install` cannot follow; a wrapper module requires it and replaces each of them with
 * its published v0.<minor>.<patch> release, the list read from k8s.io/kubernetes' own go.mod.
 * Returns { kubeApiserver, kubectl }.
 */
export function buildKubernetes() {
  const bin = join(home, 'bin');
  const binaries = { kubeApiserver: join(bin, 'kube-apiserver'), kubectl: join(bin, 'kubectl') };
  if (existsSync(join(bin, '.complete'))) return binaries;
  const wrapper = join(home, 'wrapper');
  mkdirSync(wrapper, { recursive: true });
  // GOTOOLCHAIN=local: build with the Go that is here rather than downloading another
  const env = { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0', GOTOOLCHAIN: 'local' };
  const go = (args) => execFileSync('go', args, { cwd: wrapper, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  writeFileSync(join(wrapper, 'go.mod'), 'module tenant-cdc.test/kubernetes\n');
  const upstream = readFileSync(JSON.parse(go(['mod', 'download', '-json', `k8s.io/kubernetes@${KUBERNETES_VERSION}`])).GoMod, 'utf8');
  const stagingVersion = KUBERNETES_VERSION.replace(/^v1\./, 'v0.');
  const staging = [...upstream.matchAll(/^\s*(k8s\.io\/\S+) => \.\/staging\/src\//gm)].map((m) => m[1]);
  if (staging.length === 0) throw new Error(`no staging replaces found in k8s.io/kubernetes@${KUBERNETES_VERSION}'s go.mod`);
  writeFileSync(join(wrapper, 'go.mod'), [
    'module tenant-cdc.test/kubernetes', '',
    upstream.match(/^go .*$/m)[0],
    ...(upstream.match(/^godebug .*$/m) ?? []), '',
    `require k8s.io/kubernetes ${KUBERNETES_VERSION}`, '',
    'replace (', ...staging.map((module) => `\t${module} => ${module} ${stagingVersion}`), ')', '',
  ].join('\n'));
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  const version = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((p) => [
    `-X ${p}.gitVersion=${KUBERNETES_VERSION}`, `-X ${p}.gitMajor=${major}`, `-X ${p}.gitMinor=${minor}`, `-X ${p}.gitTreeState=clean`]);
  rmSync(bin, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  go(['build', '-trimpath', '-ldflags', ['-s', '-w', ...version].join(' '), '-o', `${bin}/`, 'k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kubectl']);
  writeFileSync(join(bin, '.complete'), new Date().toISOString());
  return binaries;
}

/** etcd from Debian's etcd-server package, installed with apt-get when missing. */
export function etcdPath() {
  const etcd = '/usr/bin/etcd';
  if (!existsSync(etcd)) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'etcd-server'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return etcd;
}

function isAlive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** GET with the admin token over the cluster CA: { status, body }. */
export function kubeGet(cluster, path) {
  return new Promise((resolveGet) => {
    const req = request(`${cluster.server}${path}`, { ca: readFileSync(cluster.caFile), headers: { authorization: `Bearer ${cluster.adminToken}` } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolveGet({ status: res.statusCode, body }));
    });
    req.on('error', (error) => resolveGet({ status: 0, body: String(error) }));
    req.end();
  });
}

/**
 * Starts etcd and kube-apiserver on free ports of 127.0.0.1, with a fresh CA, serving certificate,
 * ServiceAccount signing key and admin token made up here. Returns { server, caFile, adminToken, kubeconfig, dir }.
 */
export async function startKubernetes({ dir }) {
  const { kubeApiserver } = buildKubernetes();
  const etcd = etcdPath();
  dir = resolve(dir);
  mkdirSync(dir, { recursive: true });
  const file = (name) => join(dir, name);
  const openssl = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=tenant-cdc-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=kube-apiserver', '-keyout', 'apiserver.key', '-out', 'apiserver.csr']);
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-extfile', 'san.ext', '-out', 'apiserver.crt']);
  openssl(['genrsa', '-out', 'sa.key', '2048']);
  const adminToken = randomBytes(24).toString('hex');
  writeFileSync(file('tokens.csv'), `${adminToken},admin,admin,"system:masters"\n`);

  const first = await freePorts(3);
  const [etcdClient, etcdPeer, apiPort] = [first, first + 1, first + 2];
  const spawnLogged = (name, command, args) => {
    const out = openSync(file(`${name}.log`), 'a');
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    writeFileSync(file(`${name}.pid`), String(child.pid));
    return child;
  };
  mkdirSync(file('etcd-data'), { recursive: true, mode: 0o700 });
  spawnLogged('etcd', etcd, ['--name=test', `--data-dir=${file('etcd-data')}`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=test=http://127.0.0.1:${etcdPeer}`, '--log-level=warn']);
  const apiserver = spawnLogged('apiserver', kubeApiserver, [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`, '--bind-address=127.0.0.1', `--secure-port=${apiPort}`,
    `--tls-cert-file=${file('apiserver.crt')}`, `--tls-private-key-file=${file('apiserver.key')}`,
    '--authorization-mode=RBAC', `--token-auth-file=${file('tokens.csv')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${file('sa.key')}`, `--service-account-signing-key-file=${file('sa.key')}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    // no node runs here: without this the apiserver advertises this machine's address as the kubernetes Service
    '--endpoint-reconciler-type=none',
  ]);
  const cluster = { server: `https://127.0.0.1:${apiPort}`, caFile: file('ca.crt'), adminToken, kubeconfig: file('kubeconfig'), dir };
  writeFileSync(cluster.kubeconfig, kubeconfigFor(cluster, { name: 'admin', token: adminToken }));
  const deadline = Date.now() + 120_000;
  while ((await kubeGet(cluster, '/readyz')).status !== 200) {
    if (!isAlive(apiserver.pid)) throw new Error(`kube-apiserver exited; see ${file('apiserver.log')}`);
    if (Date.now() > deadline) throw new Error(`kube-apiserver was not ready after 120 s; see ${file('apiserver.log')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return cluster;
}

/**
 * Applies CRDs (server-side) and waits until the API server serves every one of them. `kubectl wait` is
 * no help here: it fails at once on a CRD whose status has no conditions yet.
 */
export async function installCrds(cluster, kubectl, folder) {
  execFileSync(kubectl, ['apply', '--server-side', '-f', folder], { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, stdio: 'pipe' });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { status, body } = await kubeGet(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
    const items = status === 200 ? JSON.parse(body).items : [];
    const pending = items.filter((crd) => !(crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True'));
    if (items.length > 0 && pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`CRDs not established after 120 s: ${pending.map((crd) => crd.metadata.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A kubeconfig for the cluster as one user (a bearer token). */
export function kubeconfigFor(cluster, user) {
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: { server: "${cluster.server}", certificate-authority: "${cluster.caFile}" }
users:
- name: ${user.name}
  user: { token: "${user.token}" }
contexts:
- name: test
  context: { cluster: test, user: ${user.name} }
current-context: test
`;
}

/** Stops kube-apiserver and etcd of `dir` (SIGTERM, then SIGKILL). */
export async function stopKubernetes({ dir }) {
  for (const name of ['apiserver', 'etcd']) {
    const pidFile = join(resolve(dir), `${name}.pid`);
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8'));
    if (isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 15_000;
      while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(pidFile, { force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [action, ...rest] = process.argv.slice(2);
  const option = (name) => { const i = rest.indexOf(`--${name}`); return i >= 0 ? rest[i + 1] : undefined; };
  const dir = option('dir') ?? join(cache, 'stack', 'kubernetes');
  const run = async () => {
    if (action === 'build') console.log(Object.values(buildKubernetes()).join('\n'));
    else if (action === 'start') console.log((await startKubernetes({ dir })).kubeconfig);
    else if (action === 'stop') await stopKubernetes({ dir });
    else {
      console.error('usage: node scripts/kube.mjs build | start [--dir DIR] | stop [--dir DIR]');
      process.exit(2);
    }
  };
  run().catch((error) => { console.error(error.message); process.exit(1); });
}
