/**
 * `npm run bench:apply`: server-side apply of the synthesized output to a real kube-apiserver (scripts/kube.mjs,
 * etcd beside it, the Strimzi and prometheus-operator CRDs installed), for 300, 1,000 and 5,000 generated
 * tenants (BENCH_SIZES overrides), beside the seed-style Helm chart (bench/helm-range-chart, `helm template`)
 * over the same tenants. For each size and each output:
 *
 *   first apply   the whole output folder into an empty namespace of its own: objects sent, wall time,
 *                 objects created on the server
 *   day-2 edit    one tenant gets one more table, the output is made again (synth / helm template) and the
 *                 whole folder applied again: objects sent, wall time, objects the server actually wrote
 *
 * Applied as a user (or Argo CD with ServerSideApply=true) does: `kubectl apply --server-side --force-conflicts
 * --field-manager=argocd-controller -R -f <folder>`, one kubectl per apply, with kubectl's own client-side rate
 * limit. "Written" is counted from each object's metadata.resourceVersion before and after the apply: the API
 * server gives an object a new resourceVersion exactly when it stores it in etcd, and a server-side apply that
 * changes nothing is not stored (the e2e test checks that a second apply keeps every resourceVersion), so
 * the count is exact, not a prediction as `kubectl diff --server-side` would be (a dry run per object, as
 * slow as the apply). metadata.generation counts the objects whose spec (not only metadata) changed.
 *
 * Synth runs as bench:synth runs it: `TENANTS_FILE=... npm run synth` in a copy of the project, so this
 * checkout's dist/ stays as it is. The API server's and etcd's data are in a temporary folder, removed at the
 * end; both processes are stopped at the end, on failure and on Ctrl-C too. Prints tables; asserts nothing.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { TenantsFile } from '../src';
import { copyProject } from '../test/support/project-copy';
import { generatedTenants } from '../test/support/tenants';
import { helmValues } from './helm-values';
// @ts-expect-error: a plain ES module script shared with the tests
import { buildKubernetes, installCrds, startKubernetes, stopKubernetes } from '../scripts/kube.mjs';
// @ts-expect-error: a plain ES module script shared with npm run import
import { strimziCrdsDir } from '../scripts/strimzi-crds.mjs';
// @ts-expect-error: a plain ES module script shared with npm run import
import { MONITORING_IMPORTS, monitoringCrdsDir } from '../scripts/import-monitoring.mjs';
// @ts-expect-error: a plain ES module script shared with the tests
import { helmPath } from '../scripts/tools.mjs';

const SIZES = (process.env.BENCH_SIZES ?? '300,1000,5000').split(',').map(Number);
const FIELD_MANAGER = 'argocd-controller';
/** Any one command (an apply of 15,000 objects included) is given up after this long. */
const COMMAND_TIMEOUT_MS = 30 * 60_000;

interface Cluster { server: string; caFile: string; adminToken: string; kubeconfig: string; dir: string }
interface Run { code: number | null; stdout: string; stderr: string; seconds: number }

/** The commands under way (kubectl, npm, helm), stopped before the temporary folders are removed. */
const children = new Set<ChildProcess>();

/** SIGTERM to each command under way (npm passes it on to synth), SIGKILL after 10 s; resolves once all have exited. */
async function stopChildren(): Promise<void> {
  await Promise.all([...children].map((child) => new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  })));
}

/** Runs a command to completion (bounded), with its output and wall time. */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code) => {
      children.delete(child);
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), seconds: Number(process.hrtime.bigint() - start) / 1e9 });
    });
  });
}

async function runOk(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(0, 4000)}`);
  return result;
}

/** The kinds of the objects in a folder's YAML files (recursively), one entry per object: what kubectl reads and sends. */
function objectsIn(folder: string): string[] {
  const files = fs.readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  // both outputs write one object per YAML document, its kind at the document's first level
  return files.flatMap((file) => fs.readFileSync(path.join(folder, file), 'utf8').split(/^---[ \t]*$/m)
    .map((document) => /^kind:[ \t]*(\S+)/m.exec(document)?.[1]).filter((kind): kind is string => kind !== undefined));
}

class Bench {
  private kubectlPath = '';
  private cluster!: Cluster;
  private etcdClientUrl = '';

  private readonly kubernetesDir: string;

  constructor(private readonly work: string) {
    this.kubernetesDir = path.join(work, 'kubernetes');
  }

  async start(): Promise<void> {
    this.kubectlPath = buildKubernetes().kubectl;
    this.cluster = await startKubernetes({ dir: this.kubernetesDir });
    const etcdPid = Number(fs.readFileSync(path.join(this.cluster.dir, 'etcd.pid'), 'utf8'));
    const cmdline = fs.readFileSync(`/proc/${etcdPid}/cmdline`, 'utf8').split('\0');
    this.etcdClientUrl = cmdline.find((a) => a.startsWith('--listen-client-urls='))!.split('=')[1];
    // the CRDs the tests install: Strimzi 1.2.0's, then the three prometheus-operator ones the output uses
    const crds = path.join(this.work, 'crds');
    fs.mkdirSync(crds);
    const strimzi = strimziCrdsDir();
    for (const file of fs.readdirSync(strimzi).filter((f: string) => f.endsWith('.yaml'))) fs.copyFileSync(path.join(strimzi, file), path.join(crds, file));
    for (const file of Object.values<string>(MONITORING_IMPORTS)) fs.copyFileSync(path.join(monitoringCrdsDir(), file), path.join(crds, file));
    await installCrds(this.cluster, this.kubectlPath, crds);
  }

  /** Stops etcd and kube-apiserver by their pid files: also those of a start that failed or was interrupted half-way. */
  async stop(): Promise<void> {
    await stopKubernetes({ dir: this.kubernetesDir });
  }

  kubectl(args: string[]): Promise<Run> {
    return run(this.kubectlPath, args, { env: { KUBECONFIG: this.cluster.kubeconfig } });
  }

  async namespace(name: string): Promise<void> {
    const file = path.join(this.work, `namespace-${name}.yaml`);
    fs.writeFileSync(file, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`);
    const result = await this.kubectl(['apply', '--server-side', '-f', file]);
    if (result.code !== 0) throw new Error(`creating namespace ${name}: ${result.stderr}`);
  }

  /** `kubectl apply --server-side` of a whole folder, timed. */
  apply(folder: string): Promise<Run> {
    return this.kubectl(['apply', '--server-side', '--force-conflicts', `--field-manager=${FIELD_MANAGER}`, '-R', '-f', folder]);
  }

  /** Every object of these kinds in the namespace: kind/name to resourceVersion and generation. */
  async state(namespace: string, kinds: string[]): Promise<Map<string, { resourceVersion: string; generation: string }>> {
    const result = await this.kubectl(['get', kinds.join(','), '-n', namespace, '--no-headers',
      '-o', 'custom-columns=KIND:.kind,NAME:.metadata.name,RV:.metadata.resourceVersion,GEN:.metadata.generation']);
    if (result.code !== 0) throw new Error(`kubectl get in ${namespace}: ${result.stderr}`);
    const state = new Map<string, { resourceVersion: string; generation: string }>();
    for (const line of result.stdout.split('\n').filter(Boolean)) {
      const [kind, name, resourceVersion, generation] = line.trim().split(/\s+/);
      state.set(`${kind}/${name}`, { resourceVersion, generation });
    }
    return state;
  }

  /** etcd's keys of one namespace (under /registry/) and the bytes of their values, through etcd's JSON gateway. */
  async etcdNamespace(namespace: string): Promise<{ keys: number; bytes: number }> {
    const b64 = (s: string) => Buffer.from(s, 'binary').toString('base64');
    let keys = 0;
    let bytes = 0;
    let from = '/registry/';
    for (;;) {
      const response = await fetch(`${this.etcdClientUrl}/v3/kv/range`, {
        method: 'POST', body: JSON.stringify({ key: b64(from), range_end: b64('/registry0'), limit: 2000 }),
      });
      const body = await response.json() as { kvs?: Array<{ key: string; value: string }>; more?: boolean };
      const kvs = body.kvs ?? [];
      for (const kv of kvs) {
        const key = Buffer.from(kv.key, 'base64').toString('binary');
        if (key.includes(`/${namespace}/`)) {
          keys++;
          bytes += Buffer.from(kv.value, 'base64').length;
        }
      }
      if (!body.more || kvs.length === 0) break;
      from = `${Buffer.from(kvs[kvs.length - 1].key, 'base64').toString('binary')}\0`;
    }
    return { keys, bytes };
  }

  /** etcd's whole store: keys, database file size and the part of it in use (etcd's own metrics). */
  async etcdTotals(): Promise<string> {
    const metrics = await (await fetch(`${this.etcdClientUrl}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    return `${value('etcd_debugging_mvcc_keys_total')} keys, database ${mib(value('etcd_mvcc_db_total_size_in_bytes'))} MiB `
      + `(${mib(value('etcd_mvcc_db_total_size_in_use_in_bytes'))} MiB in use), revision ${value('etcd_debugging_mvcc_current_revision')}`;
  }
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

interface Outcome {
  sent: number; seconds: number; created: number; changed: number; specChanged: number; failed: string;
  changedKinds: string;
}

/** Applies a folder into a namespace and counts, from resourceVersions before and after, what the server wrote. */
async function applyAndCount(bench: Bench, namespace: string, folder: string): Promise<Outcome> {
  const objects = objectsIn(folder);
  const kinds = [...new Set(objects)];
  const before = await bench.state(namespace, kinds);
  const result = await bench.apply(folder);
  const after = await bench.state(namespace, kinds);
  let created = 0;
  let changed = 0;
  let specChanged = 0;
  const changedKinds = new Map<string, number>();
  for (const [key, now] of after) {
    const was = before.get(key);
    if (!was) created++;
    else if (was.resourceVersion !== now.resourceVersion) {
      changed++;
      const kind = key.split('/')[0];
      changedKinds.set(kind, (changedKinds.get(kind) ?? 0) + 1);
      if (was.generation !== now.generation) specChanged++;
    }
  }
  const applied = result.stdout.split('\n').filter((l) => /serverside-applied$/.test(l)).length;
  const errors = result.stderr.split('\n').filter((l) => l.trim());
  return {
    sent: objects.length, seconds: result.seconds, created, changed, specChanged,
    failed: result.code === 0 ? '' : `kubectl exited ${result.code}, ${applied} of ${objects.length} applied; ${errors.length} error lines, first: ${errors[0] ?? '(none)'}`,
    changedKinds: [...changedKinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'none',
  };
}

/** The same file with one more table for its first tenant: a typical edit between two syncs (as in bench:synth). */
function editedTenants(file: TenantsFile): TenantsFile {
  return { ...file, tenants: file.tenants.map((t, i) => (i === 0 ? { ...t, tables: [...(t.tables ?? []), `${String(t.tables?.[0]).split('.')[0]}.refunds`] } : t)) };
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-apply-'));
  const project = copyProject('tenant-cdc-bench-apply-');
  const bench = new Bench(work);
  let stopped = false;
  const cleanUp = async () => {
    if (stopped) return;
    stopped = true;
    await stopChildren();
    await bench.stop().catch((error) => console.error(`stopping the API server: ${error}`));
    fs.rmSync(work, { recursive: true, force: true, maxRetries: 5 });
    fs.rmSync(project, { recursive: true, force: true, maxRetries: 5 });
  };
  const onSignal = (signal: string) => {
    console.error(`${signal}: stopping the API server and etcd, removing ${work}`);
    interrupted = true;
    void cleanUp().then(() => process.exit(130));
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  try {
    await benchmark(bench, project, work);
  } catch (error) {
    // after Ctrl-C the step under way fails as the API server goes: nothing to report
    if (!interrupted) throw error;
  } finally {
    await cleanUp();
  }
}

let interrupted = false;

const say = (text: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

async function benchmark(bench: Bench, project: string, work: string): Promise<void> {
  const helm = helmPath();
  say('building kube-apiserver and kubectl (once), starting etcd and kube-apiserver, installing the CRDs');
  await bench.start();
  const kubectlVersion = (await bench.kubectl(['version', '--client', '-o', 'json'])).stdout;
  say('building the project copy (as npm ci does)');
  await runOk('npm', ['run', 'synth'], { cwd: project });
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');
  const header = `bench:apply on ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GiB (load average ${load()}), node ${process.version}, `
    + `kubectl ${JSON.parse(kubectlVersion).clientVersion.gitVersion} and kube-apiserver built by scripts/kube.mjs, etcd from Debian\n`
    + `command: kubectl apply --server-side --force-conflicts --field-manager=${FIELD_MANAGER} -R -f <output folder>, one namespace per size and output\n`;
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const size of SIZES) {
    for (const output of ['tenant-cdc', 'helm chart'] as const) {
      const namespace = `${output === 'tenant-cdc' ? 'synth' : 'helm'}-${size}`;
      const file = { ...generatedTenants(size, { seed: size }), namespace };
      const edited = editedTenants(file);
      const first = path.join(work, `${namespace}-first`);
      const second = path.join(work, `${namespace}-edited`);
      if (output === 'tenant-cdc') {
        say(`${size} tenants: synth (first file, then the edited one)`);
        for (const [tenants, folder, allowed] of [[file, first, true], [edited, second, false]] as const) {
          const tenantsFile = path.join(work, `${path.basename(folder)}.yaml`);
          fs.writeFileSync(tenantsFile, stringify(tenants));
          // the first synth of a size replaces another file's output: everything differs (and is allowed)
          await runOk('npm', ['run', 'synth'], {
            cwd: project,
            env: { TENANTS_FILE: tenantsFile, ...(allowed && { TENANT_CDC_ALLOW_RESNAPSHOT: 'true', TENANT_CDC_ALLOW_REMOVALS: 'true' }) },
          });
          fs.cpSync(path.join(project, 'dist'), folder, { recursive: true });
        }
      } else {
        say(`${size} tenants: helm template (first values, then the edited ones)`);
        for (const [tenants, folder] of [[file, first], [edited, second]] as const) {
          const values = path.join(work, `${path.basename(folder)}-values.yaml`);
          fs.writeFileSync(values, stringify(helmValues(tenants)));
          await runOk(helm, ['template', 'bench', path.join(__dirname, 'helm-range-chart'), '-f', values, '--output-dir', folder]);
        }
      }
      await bench.namespace(namespace);
      say(`${size} tenants, ${output}: first apply of ${objectsIn(first).length} objects into ${namespace}`);
      const one = await applyAndCount(bench, namespace, first);
      say(`${size} tenants, ${output}: ${one.seconds.toFixed(1)} s; day-2 apply of the whole folder`);
      const two = await applyAndCount(bench, namespace, second);
      say(`${size} tenants, ${output}: ${two.seconds.toFixed(1)} s, ${two.changed} changed`);
      const etcd = await bench.etcdNamespace(namespace);
      const perSecond = (o: Outcome) => (o.sent / o.seconds).toFixed(0);
      rows.push([String(size), output, String(one.sent), one.seconds.toFixed(1), perSecond(one), String(one.created),
        String(two.sent), two.seconds.toFixed(1), String(two.changed), String(two.specChanged), String(two.created), String(etcd.keys), mib(etcd.bytes)]);
      if (one.failed) notes.push(`${size} tenants, ${output}, first apply: ${one.failed}`);
      if (two.failed) notes.push(`${size} tenants, ${output}, day-2 apply: ${two.failed}`);
      notes.push(`${size} tenants, ${output}, day-2 edit: written ${two.changedKinds}${two.created ? `, ${two.created} created` : ''}`);
    }
  }
  const columns = ['tenants', 'output', 'objects sent', 'first apply s', 'objects/s', 'created',
    'day-2 sent', 'day-2 apply s', 'day-2 written', 'of which spec', 'day-2 created', 'etcd keys', 'etcd MiB'];
  const widths = columns.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(header);
  console.log([line(columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
  console.log(`\n${notes.join('\n')}`);
  console.log(`etcd at the end (every namespace, the CRDs and the API server's own objects): ${await bench.etcdTotals()}`);
  console.log(`load average after the run: ${load()}`);
  console.log([
    '',
    'objects sent: documents in the output folder (kubectl sends one server-side apply PATCH per object)',
    'first apply s / day-2 apply s: wall time of the one kubectl apply of the whole folder (kubectl start, discovery and its client-side rate limit included)',
    'created: objects of the output present after the apply and not before (the namespace starts empty)',
    'day-2: one tenant gets one more table, the output is made again and the whole folder applied again',
    'day-2 written: objects whose metadata.resourceVersion changed, i.e. that the API server stored again in etcd; a no-op apply keeps it',
    'of which spec: of those, objects whose metadata.generation changed too (a change beyond metadata)',
    'etcd keys / MiB: keys of the namespace under /registry/ in etcd after both applies, and the bytes of their stored values',
  ].join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
