/**
 * The cdk8s app: the only code that reads files or the environment.
 *
 *   node lib/main.js                      synthesize TENANTS_FILE (default tenants.yaml) into CDK8S_OUTDIR (default dist);
 *                                         the output folder is replaced only once everything is rendered, so bad
 *                                         input leaves it as it was (`npm run synth` runs this)
 *   node lib/main.js --check              only check the tenants file; `npm run synth:helm` runs this first,
 *                                         because `cdk8s synth` deletes its output folder before the app runs
 *   node lib/main.js --write-schema FILE  write the tenants file's JSON Schema
 *   node lib/main.js --write-argocd-config FILE
 *                                         write the argocd-cm patch with tenant-cdc's Argo CD health checks
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { ArgoCdHealthChecks } from './argocd-health-checks';
import { CdcPlatform } from './cdc-platform';
import { renderApp } from './manifests';
import { replaceFolder } from './replace-folder';
import { readTenantsFile } from './tenants/load';
import { tenantsFileJsonSchema } from './tenants/schema';
import { TenantsFileError } from './tenants/validate';

function main(args: readonly string[]): number {
  if (args[0] === '--write-schema') {
    fs.writeFileSync(args[1] ?? 'tenants.schema.json', `${JSON.stringify(tenantsFileJsonSchema(), null, 2)}\n`);
    return 0;
  }
  if (args[0] === '--write-argocd-config') {
    const app = new App();
    new ArgoCdHealthChecks(new Chart(app, 'argocd', { disableResourceNameHashes: true }), 'health-checks');
    fs.writeFileSync(args[1] ?? 'argocd/argocd-cm.yaml', renderApp(app).get('argocd.k8s.yaml')!);
    return 0;
  }
  const tenantsFile = process.env.TENANTS_FILE ?? 'tenants.yaml';
  const { file } = readTenantsFile(tenantsFile);
  if (args[0] === '--check') {
    const platform = new CdcPlatform(new Chart(new App(), 'check'), 'cdc', file);
    for (const warning of platform.warnings) console.error(`warning: ${warning}`);
    console.error(`${tenantsFile}: ${platform.config.tenants.length} tenants, no problems`);
    return 0;
  }
  const app = new App();
  const chart = new Chart(app, 'tenant-cdc', { disableResourceNameHashes: true });
  const platform = new CdcPlatform(chart, 'cdc', file);
  for (const warning of platform.warnings) console.error(`warning: ${warning}`);
  const files = renderApp(app);
  replaceFolder(app.outdir, files);
  // stdout: shown by `npm run synth`, swallowed by `cdk8s synth`, which lists the files itself
  const written = [...files.keys()].map((name) => path.join(app.outdir, name)).join(', ');
  console.log(`${tenantsFile}: ${platform.config.tenants.length} tenants, wrote ${written}`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof TenantsFileError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
