import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

/**
 * A copy of the project in a temporary folder, as a clone has it after `npm ci` (node_modules linked,
 * nothing built), so commands can run there as a user runs them without touching this checkout's dist/.
 *
 * @returns the copy's folder
 */
export function copyProject(prefix = 'tenant-cdc-project-'): string {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const entry of ['package.json', 'cdk8s.yaml', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.imports.json', 'tenants.yaml', 'src', 'dist']) {
    fs.cpSync(path.join(root, entry), path.join(project, entry), { recursive: true });
  }
  fs.mkdirSync(path.join(project, 'imports'));
  // only the generated sources: the copy builds its own JavaScript
  for (const file of fs.readdirSync(path.join(root, 'imports')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
    fs.copyFileSync(path.join(root, 'imports', file), path.join(project, 'imports', file));
  }
  fs.mkdirSync(path.join(project, 'scripts'));
  for (const script of ['app.mjs', 'build-if-stale.mjs']) fs.copyFileSync(path.join(root, 'scripts', script), path.join(project, 'scripts', script));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(project, 'node_modules'));
  return project;
}
