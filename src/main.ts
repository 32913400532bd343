/**
 * The cdk8s app: the only code that reads files or the environment.
 *
 *   node lib/main.js                      synthesize TENANTS_FILE (default tenants.yaml) into CDK8S_OUTDIR (default dist);
 *                                         the output folder is replaced only once everything is rendered, so bad
 *                                         input leaves it as it was (`npm run synth` runs this); a change that
 *                                         would re-snapshot existing tenants or delete many connectors is refused
 *                                         unless allowed (--allow-resnapshot, --allow-database-move, --allow-removals; see plan/guards.ts)
 *   node lib/main.js --plan [--json] [--against REF|FOLDER]
 *                                         what applying the new output would do, against the output folder (or a
 *                                         git ref's, or another folder); exit 0 nothing changes, 2 changes, 3 changes
 *                                         synth would refuse (`npm run plan`)
 *   node lib/main.js --acls [--format confluent|kafka-acls|json]
 *                                         the Kafka ACLs every principal needs, as Confluent CLI or kafka-acls.sh
 *                                         commands or JSON (`npm run acls`)
 *   node lib/main.js --check              only check the tenants file; `npm run synth:helm` runs this first,
 *                                         because `cdk8s synth` deletes its output folder before the app runs
 *   node lib/main.js --write-schema FILE  write the tenants file's JSON Schema
 *   node lib/main.js --write-argocd-config FILE
 *                                         write the argocd-cm patch with tenant-cdc's Argo CD health checks
 *   node lib/main.js --write-dashboards [FOLDER]
 *                                         write the Grafana dashboards for TENANTS_FILE as JSON files (<uid>.json)
 *                                         into FOLDER (default dashboards), leaving its other files (`npm run dashboards`)
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { loadAll } from 'js-yaml';
import { ANONYMOUS } from './acls/kafka-acls';
import { ACL_FORMATS, AclFormat, renderAcls } from './acls/render';
import { ArgoCdHealthChecks } from './argocd/health-checks';
import { CdcPlatform } from './cdc-platform';
import { KafkaFootprint, kafkaFootprintByCluster, SynthesizedObject, totalKafkaFootprint } from './footprint/kafka-footprint';
import { renderApp, renderChartsInParallel, RenderedChart } from './app/manifests';
import { guardOptionsFrom, guardProblems } from './app/plan/guards';
import { planChangedDocuments } from './app/plan/output-diff';
import { planChangeCount, planChanges } from './app/plan/plan';
import { renderPlan } from './app/plan/render';
import { replaceFolder } from './app/replace-folder';
import { dashboardJson, tenantCdcDashboards } from './dashboards/dashboards';
import { resolveAlertThresholds } from './monitoring/thresholds';
import { splitOutput } from './app/split-output';
import { readTenantsFile } from './tenants/load';
import { TenantsFile, tenantsFileJsonSchema } from './tenants/schema';
import { TenantsFileError } from './tenants/validate';

async function main(args: readonly string[]): Promise<number> {
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
  if (args[0] === '--acls') return acls(file, args);
  if (args[0] === '--write-dashboards') {
    const platform = new CdcPlatform(new Chart(new App(), 'dashboards'), 'cdc', file);
    const folder = args[1] ?? 'dashboards';
    writeDashboards(folder, platform.config.namespace, file);
    console.log(`${tenantsFile}: wrote the Grafana dashboards to ${folder}/`);
    return 0;
  }
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
  const charts = await renderChartsInParallel(app);
  const files = outputFiles(file, platform, chart, charts, app.outdir);
  const objects = [...charts.values()].flatMap((c) => c.objects as SynthesizedObject[]);
  if (args[0] === '--plan') return plan(app.outdir, objects, args);

  // what is in the output folder now is what is applied: refuse what would hurt it, unless allowed
  const previous = readOutput(app.outdir);
  if (previous.size > 0 && !sameFiles(previous, files)) {
    const problems = guardProblems(planChangedDocuments([...previous.values()], [...files.values()]), guardOptionsFrom(process.env, args));
    if (problems.length > 0) {
      console.error(`${tenantsFile}: ${app.outdir}/ was left as it is; npm run plan shows every change.\n${problems.join('\n')}`);
      return 1;
    }
  }
  const dashboardFiles = file.monitoring?.dashboards?.files;
  if (dashboardFiles !== undefined && !path.relative(path.resolve(app.outdir), path.resolve(dashboardFiles)).startsWith('..')) {
    // Argo CD reads every .json file of the folder it syncs as a manifest
    console.error(`${tenantsFile}: monitoring.dashboards.files is ${JSON.stringify(dashboardFiles)}, inside the output folder ${app.outdir}/, where Argo CD would read the dashboards as manifests; `
      + `${app.outdir}/ was left as it is. Name a folder beside it, e.g. "dashboards".`);
    return 1;
  }
  replaceFolder(app.outdir, files);
  if (dashboardFiles !== undefined) writeDashboards(dashboardFiles, platform.config.namespace, file);
  // stdout: shown by `npm run synth`, swallowed by `cdk8s synth`, which lists the files itself
  // a split output has a file per Connect cluster: count them rather than list hundreds
  const written = [...files.keys()].some((name) => name.includes('/')) ? `${files.size} files to ${app.outdir}/` : [...files.keys()].map((name) => path.join(app.outdir, name)).join(', ');
  console.log(`${tenantsFile}: ${platform.config.tenants.length} tenants, wrote ${written}`);
  console.log(footprintReport(kafkaFootprintByCluster(objects)));
  return 0;
}

/**
 * The files of the output, by path relative to the output folder: one per chart, or with `output.split`
 * a folder per Connect cluster and one for what they share. A Helm chart's templates (`cdk8s synth --format
 * helm`) stay one file whatever the tenants file says: a release is installed and rolled back as a whole,
 * and Argo CD Applications have no place in it.
 */
function outputFiles(file: TenantsFile, platform: CdcPlatform, chart: Chart, charts: ReadonlyMap<string, RenderedChart>, outdir: string): Map<string, string> {
  const split = isHelmTemplates(outdir) ? 'none' : file.output?.split ?? 'none';
  if (split === 'none') return new Map([...charts].map(([name, c]) => [name, c.yaml]));
  const fileName = `${chart.node.id}.k8s.yaml`;
  return splitOutput({
    chart, rendered: charts.get(fileName)!, fileName, clusters: platform.config.clusters.map((c) => c.name),
    namespace: platform.config.namespace, argocd: file.output?.argocd,
  });
}

/**
 * Writes the dashboards' JSON files (`<uid>.json`) into `folder`, for Grafana's import, each whole or not at
 * all (a temporary file renamed); the folder's other files are left alone, whatever folder it is.
 */
function writeDashboards(folder: string, namespace: string, file: TenantsFile): void {
  const dashboards = tenantCdcDashboards({ namespace, thresholds: resolveAlertThresholds(file.monitoring?.thresholds) });
  fs.mkdirSync(folder, { recursive: true });
  for (const d of dashboards) {
    const target = path.join(folder, d.fileName);
    fs.writeFileSync(`${target}.${process.pid}.partial`, dashboardJson(d.model));
    fs.renameSync(`${target}.${process.pid}.partial`, target);
  }
}

/** The cdk8s CLI writes a Helm chart's objects into `<chart>/templates`, after it wrote `<chart>/Chart.yaml`. */
function isHelmTemplates(outdir: string): boolean {
  return path.basename(path.resolve(outdir)) === 'templates' && fs.existsSync(path.join(outdir, '..', 'Chart.yaml'));
}

/** `--acls`: the ACLs of every principal, in the form asked for. */
function acls(file: TenantsFile, args: readonly string[]): number {
  const format = args.includes('--format') ? args[args.indexOf('--format') + 1] : 'confluent';
  if (!(ACL_FORMATS as readonly string[]).includes(format)) {
    console.error(`--format ${JSON.stringify(format)}: use one of ${ACL_FORMATS.join(', ')}`);
    return 1;
  }
  const platform = new CdcPlatform(new Chart(new App(), 'acls', { disableResourceNameHashes: true }), 'cdc', file);
  const principals = platform.kafkaAcls();
  if (principals.some((p) => p.principal === ANONYMOUS)) {
    console.error('kafka.auth is not set, so every client is anonymous (User:ANONYMOUS) and ACLs cannot tell Connect from the processor; '
      + 'set kafka.auth, and connect.kafkaAuth and processor.kafkaAuth for principals of their own');
    return 1;
  }
  for (const warning of platform.warnings.filter((w) => w.startsWith('kafka'))) console.error(`warning: ${warning}`);
  process.stdout.write(renderAcls(principals, format as AclFormat));
  return 0;
}

/** `--plan`: the changes against the output folder (or `--against` a git ref or folder), in words or as JSON. */
function plan(outdir: string, objects: readonly SynthesizedObject[], args: readonly string[]): number {
  const against = args.includes('--against') ? args[args.indexOf('--against') + 1] : undefined;
  const previous = against === undefined ? readOutput(outdir) : fs.existsSync(against) ? readOutput(against) : readOutputAtRef(against, outdir);
  const before = [...previous.values()].flatMap((text) => loadAll(text) as SynthesizedObject[]).filter((o) => o);
  const result = planChanges(before, objects);
  const problems = guardProblems(result, guardOptionsFrom(process.env, args));
  if (args.includes('--json')) {
    console.log(JSON.stringify({ ...result, refused: problems }, null, 2));
  } else {
    process.stdout.write(renderPlan(result));
    if (problems.length > 0) console.log(`\nnpm run synth would refuse this:\n${problems.join('\n')}`);
  }
  return planChangeCount(result) === 0 ? 0 : problems.length > 0 ? 3 : 2;
}

/** The files of an output folder and its subfolders (a split output), by path relative to it with '/'; empty when there is none. */
function readOutput(folder: string): Map<string, string> {
  if (!fs.existsSync(folder)) return new Map();
  const names = (fs.readdirSync(folder, { recursive: true }) as string[]).map((f) => f.split(path.sep).join('/')).filter((f) => f.endsWith('.k8s.yaml')).sort();
  return new Map(names.map((f) => [f, fs.readFileSync(path.join(folder, f), 'utf8')]));
}

/** The output folder's files as committed at a git ref. */
function readOutputAtRef(ref: string, outdir: string): Map<string, string> {
  const git = (gitArgs: string[]) => execFileSync('git', gitArgs, { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  const folder = path.relative(git(['rev-parse', '--show-toplevel']).trim(), path.resolve(outdir));
  const names = git(['ls-tree', '-r', '--name-only', ref, '--', `${folder}/`]).split('\n').filter((f) => f.endsWith('.k8s.yaml'));
  return new Map(names.map((name) => [path.posix.relative(folder, name), git(['show', `${ref}:${name}`])]));
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([name, text]) => b.get(name) === text);
}

/** What the output needs from Kafka, per Connect cluster and in total. */
function footprintReport(byCluster: ReadonlyMap<string, KafkaFootprint>): string {
  const line = (name: string, f: KafkaFootprint) => `  ${name}: ${f.connectors} connectors, ${f.tasks} tasks, ${f.topics} topics `
    + `(${f.changeTopics.topics} change, ${f.schemaHistoryTopics.topics} schema history, ${f.heartbeatTopics.topics} heartbeat, `
    + `${f.connectStorageTopics.topics} Connect storage, ${f.snapshotTopics.topics} snapshot signals and notifications), ${f.partitions ?? '? (broker defaults)'} partitions, ${f.clients} Kafka clients`;
  return ['Kafka footprint (partitions before replication):', ...[...byCluster].map(([name, f]) => line(name, f)),
    ...(byCluster.size > 1 ? [line('total', totalKafkaFootprint(byCluster))] : [])].join('\n');
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (error: Error) => {
  // the tenants file's problems and the constructs' validations (e.g. kafka.budget) are the user's to fix: no stack
  if (!(error instanceof TenantsFileError) && !/^Validation failed with the following errors/.test(error.message)) throw error;
  console.error(error.message);
  process.exitCode = 1;
});
