/**
 * `npm run bench:rbac`: how many Secret names one Role's `resourceNames` can hold before a real
 * kube-apiserver (scripts/kube.mjs, with its etcd) refuses it, for each way the Role reaches the server:
 * server-side apply as Argo CD does with ServerSideApply=true (and the e2e tests), and client-side
 * `kubectl apply`, Argo CD's default, which copies the whole object into an annotation. Each ceiling is
 * found by bisection, with realistic names of 33 and 63 characters (`tenant-acme-000001-db-credentials`). Prints a
 * table and the error at the ceiling; asserts nothing. The figures size ROLE_SECRET_NAMES_MAX_BYTES
 * (src/secret-access.ts).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROLE_SECRET_NAMES_MAX_BYTES, secretNamesBytes } from '../src/secret-access';
// @ts-expect-error: a plain ES module script shared with the tests
import { buildKubernetes, KUBERNETES_VERSION, startKubernetes, stopKubernetes } from '../scripts/kube.mjs';

const NAMESPACE = 'rbac-bench';
/** Realistic Secret names: 33 characters (`tenant-acme-000001-db-credentials`), or longer with a longer prefix. */
const secretName = (i: number, length: number) => `${'tenant-acme'.padEnd(length - 22, '-x')}-${String(i).padStart(6, '0')}-db-credentials`;

function role(name: string, count: number, length: number): string {
  const resourceNames = Array.from({ length: count }, (_, i) => secretName(i, length));
  return JSON.stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: NAMESPACE },
    rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames, verbs: ['get'] }],
  });
}

const NAME_LENGTHS = [33, 63];
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

interface Mode { readonly name: string; readonly args: readonly string[] }
const MODES: readonly Mode[] = [
  { name: 'server-side apply (Argo CD ServerSideApply=true)', args: ['apply', '--server-side', '--field-manager=argocd-controller', '-f', '-'] },
  { name: 'client-side apply (kubectl apply, Argo CD default)', args: ['apply', '-f', '-'] },
];

async function main(): Promise<void> {
  const { kubectl } = buildKubernetes();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-bench-rbac-'));
  const cluster = await startKubernetes({ dir });
  const run = (args: readonly string[], input?: string) => spawnSync(kubectl, [...args], {
    input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: cluster.kubeconfig },
  });
  try {
    run(['create', 'namespace', NAMESPACE]);
    const rows: string[] = [];
    let attempt = 0;
    for (const [mode, length] of MODES.flatMap((m) => NAME_LENGTHS.map((l): [Mode, number] => [m, l]))) {
      const accepted = (count: number): { ok: boolean; error: string } => {
        const name = `bench-${attempt++}`;
        const result = run(mode.args, role(name, count, length));
        run(['delete', 'role', name, '-n', NAMESPACE, '--ignore-not-found', '--wait=false']);
        return { ok: result.status === 0, error: result.stderr.trim() };
      };
      let low = 1000;
      let high = 200_000;
      if (!accepted(low).ok) throw new Error(`${mode.name}: a Role of ${low} names was refused`);
      let refusal = accepted(high);
      if (refusal.ok) throw new Error(`${mode.name}: a Role of ${high} names was accepted; raise the bound`);
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        const result = accepted(middle);
        if (result.ok) low = middle;
        else { high = middle; refusal = result; }
      }
      const names = Array.from({ length: low }, (_, i) => secretName(i, length));
      const safe = Math.floor(low * ROLE_SECRET_NAMES_MAX_BYTES / secretNamesBytes(names));
      rows.push(`| ${mode.name} | ${length} | ${low.toLocaleString('en')} | ${kib(Buffer.byteLength(role('bench-x', low, length)))} `
        + `| ${kib(secretNamesBytes(names))} | ${safe.toLocaleString('en')} | ${refusal.error.slice(0, 120).replace(/\s+/g, ' ')} |`);
      console.error(`${mode.name}, names of ${length}: ceiling ${low}`);
    }
    console.log(`kube-apiserver ${KUBERNETES_VERSION} (scripts/kube.mjs) with etcd's default limits; tenant-cdc refuses a Connect cluster `
      + `whose Role's Secret names take more than ${kib(ROLE_SECRET_NAMES_MAX_BYTES)} (ROLE_SECRET_NAMES_MAX_BYTES)`);
    console.log('| how the Role is applied | name length | most names accepted | Role JSON | its names | names tenant-cdc allows | one more name refused with |');
    console.log('|---|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
  } finally {
    await stopKubernetes({ dir });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
