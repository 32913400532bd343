import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
// @ts-expect-error: a plain ES module script shared with the demo
import { kubeconfigFor } from '../../../scripts/kube.mjs';

/** The test cluster the e2e global setup started (scripts/kube.mjs): its API server, CA and admin credentials. */
export interface TestCluster {
  readonly server: string;
  readonly caFile: string;
  readonly adminToken: string;
  readonly kubeconfig: string;
  readonly dir: string;
  readonly kubectl: string;
}

export function testCluster(): TestCluster {
  const json = process.env.E2E_KUBERNETES;
  if (!json) throw new Error('E2E_KUBERNETES is not set: run the end-to-end tests with vitest, whose global setup starts the API server');
  return JSON.parse(json);
}

/** Runs kubectl against the test cluster, as admin unless another kubeconfig is given. */
export function kubectl(args: readonly string[], options: { input?: string; kubeconfig?: string } = {}): { status: number; stdout: string; stderr: string } {
  const cluster = testCluster();
  const result = spawnSync(cluster.kubectl, [...args], {
    encoding: 'utf8', input: options.input, env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: options.kubeconfig ?? cluster.kubeconfig },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** kubectl that must succeed; returns its output. */
export function kubectlOk(args: readonly string[], options: { input?: string; kubeconfig?: string } = {}): string {
  const result = kubectl(args, options);
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/** Server-side apply as Argo CD does it (its field manager), of YAML text. */
export function serverSideApply(yaml: string, extra: readonly string[] = []) {
  return kubectl(['apply', '--server-side', '--field-manager=argocd-controller', ...extra, '-f', '-'], { input: yaml });
}

export function ensureNamespace(name: string): void {
  kubectlOk(['apply', '--server-side', '-f', '-'], { input: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n` });
}

/**
 * A token for a ServiceAccount from the TokenRequest API, what the kubelet mounts into its pods, and a
 * kubeconfig that uses it. Creates the ServiceAccount when missing (Strimzi creates `<connect>-connect`).
 */
export function serviceAccountCredentials(namespace: string, name: string, folder: string): { token: string; tokenFile: string; kubeconfig: string } {
  kubectlOk(['apply', '--server-side', '-f', '-'], { input: `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n` });
  const token = kubectlOk(['create', 'token', name, '-n', namespace, '--duration=4h']).trim();
  const cluster = testCluster();
  fs.mkdirSync(folder, { recursive: true });
  const tokenFile = path.join(folder, 'token');
  fs.writeFileSync(tokenFile, token);
  const kubeconfig = path.join(folder, 'kubeconfig');
  fs.writeFileSync(kubeconfig, kubeconfigFor(cluster, { name, token }));
  return { token, tokenFile, kubeconfig };
}

/** Creates or replaces a Secret (values made up by the caller at run time). */
export function putSecret(namespace: string, name: string, data: Record<string, string>): void {
  putSecrets(namespace, [{ name, data }]);
}

/** Creates or replaces Secrets in one kubectl call (a fleet's hundreds of Secrets would take a process each). */
export function putSecrets(namespace: string, secrets: ReadonlyArray<{ name: string; data: Record<string, string> }>): void {
  const documents = secrets.map(({ name, data }) => {
    const stringData = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n');
    return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nstringData:\n${stringData}\n`;
  });
  kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: documents.join('---\n') });
}
