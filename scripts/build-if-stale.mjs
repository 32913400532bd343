// Builds lib/ when a source changed since the last build here, or an output is missing (`npm run synth`
// and `npm run plan` run it through scripts/app.mjs): `tsc -b` with nothing to compile still takes about
// 0.4 s to load the compiler, a fifth of a synth of 5,000 tenants. Stale means: a TypeScript source under
// src/ or imports/ (or a folder of src/), a tsconfig, package.json or package-lock.json, or the installed
// compiler changed after the last build here started (git checkout, editors and npm set mtimes; imports/
// also holds the compiler's output, which does not count). Content that changes with an older mtime
// (cp -p) is not seen: run `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'lib', '.build-stamp');

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.d.ts');

function newestChange(path, countFolders) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  const entries = readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory() || isSource(e.name));
  // a folder's own mtime changes when a file in it is added, removed or renamed
  return Math.max(countFolders ? stats.mtimeMs : -1, ...entries.map((e) => newestChange(join(path, e.name), countFolders)));
}

/** Runs `tsc -b` when a source is newer than the last build's stamp; does nothing otherwise. */
export function buildIfStale() {
  const outputs = ['main.js', 'app/yaml-worker.js', 'index.js'].map((f) => join(root, 'lib', f));
  const built = existsSync(stamp) && outputs.every((f) => existsSync(f)) ? statSync(stamp).mtimeMs : -1;
  const changed = [
    newestChange(join(root, 'src'), true),
    existsSync(join(root, 'imports')) ? newestChange(join(root, 'imports'), false) : -1,
    // the project's settings, and a compiler or type declarations that npm installed since
    ...readdirSync(root).filter((f) => /^(package(-lock)?|tsconfig.*)\.json$/.test(f)).map((f) => statSync(join(root, f)).mtimeMs),
    ...['typescript', '@types/node'].map((name) => join(root, 'node_modules', name, 'package.json')).filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs),
  ];
  if (Math.max(...changed) < built) return;
  const started = new Date();
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  // stamped with the start: a source saved during the build counts as changed next time
  writeFileSync(stamp, `${started.toISOString()}\n`);
  utimesSync(stamp, started, started);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildIfStale();
