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

/**
 * The environment a container of a synthesized Deployment gets, as the kubelet makes it: plain values,
 * `secretKeyRef`s read from the API server, and Secret volumes written under `mountRoot` (each mount path
 * inside it), with env values that point into a mount moved there too.
 */
export function containerEnvironment(deployment: { metadata: { namespace?: string }; spec?: any }, mountRoot: string): Record<string, string> {
  const namespace = deployment.metadata.namespace ?? 'default';
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const secretData = (name: string): Record<string, string> => {
    const data = JSON.parse(kubectlOk(['get', 'secret', name, '-n', namespace, '-o', 'json'])).data ?? {};
    return Object.fromEntries(Object.entries<string>(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };
  const mounts = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.volumes ?? []).find((v: any) => v.name === mount.name);
    if (!volume?.secret) throw new Error(`volume ${mount.name}: only Secret volumes are mounted here`);
    const local = path.join(mountRoot, mount.mountPath);
    fs.mkdirSync(local, { recursive: true });
    const data = secretData(volume.secret.secretName);
    const items: Array<{ key: string; path: string }> = volume.secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const item of items) fs.writeFileSync(path.join(local, item.path), data[item.key], { mode: 0o600 });
    mounts.set(mount.mountPath, local);
  }
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.valueFrom?.secretKeyRef) {
      const { name, key } = variable.valueFrom.secretKeyRef;
      env[variable.name] = secretData(name)[key];
    } else {
      const mounted = [...mounts].find(([at]) => String(variable.value).startsWith(`${at}/`));
      env[variable.name] = mounted ? `${mounted[1]}${String(variable.value).slice(mounted[0].length)}` : variable.value;
    }
  }
  return env;
}
