// `node scripts/import-monitoring.mjs [outdir]`: regenerates the prometheus-operator imports in imports/
// (PrometheusRule, PodMonitor, ServiceMonitor of monitoring.coreos.com/v1) with `cdk8s import` from the CRDs
// inside the github.com/prometheus-operator/prometheus-operator module, fetched from the Go module proxy
// (no registry publishes the CRD files alone). imports/ is committed and never edited.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cdk8sImport } from './import-strimzi.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The newest version of the module the Go module proxy serves whole here (it refuses v0.95.x); monitoring.coreos.com/v1 is stable. */
export const PROMETHEUS_OPERATOR_VERSION = 'v0.85.0';

/** The generated modules: prefix (file name) to CRD file. */
export const MONITORING_IMPORTS = {
  'monitoring-rules': 'monitoring.coreos.com_prometheusrules.yaml',
  'monitoring-pods': 'monitoring.coreos.com_podmonitors.yaml',
  'monitoring-services': 'monitoring.coreos.com_servicemonitors.yaml',
};

/** The folder of the prometheus-operator CRDs, downloaded into the Go module cache once. */
export function monitoringCrdsDir() {
  // GOTOOLCHAIN=local: use the Go that is here rather than downloading another
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
  const download = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `github.com/prometheus-operator/prometheus-operator@${PROMETHEUS_OPERATOR_VERSION}`],
    { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  if (download.Error) throw new Error(download.Error);
  return join(download.Dir, 'example', 'prometheus-operator-crd');
}

export function importMonitoring(outdir = join(root, 'imports')) {
  cdk8sImport(monitoringCrdsDir(), MONITORING_IMPORTS, outdir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) importMonitoring(process.argv[2]);
