import { App, Chart, Testing } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { CdcPlatform, CdcPlatformProps } from '../../src';
import { renderApp, renderCharts } from '../../src/app/manifests';
import { splitOutput } from '../../src/app/split-output';

/** A Kubernetes object as synthesized. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

/** Synthesizes a CdcPlatform the way main.ts does and returns its objects. */
export function synthPlatform(props: CdcPlatformProps): Manifest[] {
  const chart = new Chart(Testing.app(), 'tenant-cdc', { disableResourceNameHashes: true });
  new CdcPlatform(chart, 'cdc', props);
  return Testing.synth(chart) as Manifest[];
}

/** Synthesizes a CdcPlatform to the exact YAML text main.ts writes. */
export function synthPlatformYaml(props: CdcPlatformProps): string {
  const app = new App({ outdir: Testing.app().outdir });
  const chart = new Chart(app, 'tenant-cdc', { disableResourceNameHashes: true });
  new CdcPlatform(chart, 'cdc', props);
  return renderApp(app).get('tenant-cdc.k8s.yaml')!;
}

/**
 * Synthesizes a CdcPlatform both ways main.ts can write it: the one file, and split by Connect cluster
 * (path relative to the output folder to text, with the Argo CD Applications when the props ask for them).
 */
export function synthSplitOutput(props: CdcPlatformProps): { unsplit: string; split: Map<string, string> } {
  const app = new App({ outdir: Testing.app().outdir });
  const chart = new Chart(app, 'tenant-cdc', { disableResourceNameHashes: true });
  const platform = new CdcPlatform(chart, 'cdc', props);
  const rendered = renderCharts(app).get('tenant-cdc.k8s.yaml')!;
  const split = splitOutput({
    chart, rendered, fileName: 'tenant-cdc.k8s.yaml', clusters: platform.config.clusters.map((c) => c.name),
    namespace: platform.config.namespace, argocd: props.output?.argocd,
  });
  return { unsplit: rendered.yaml, split };
}

/** Parses a multi-document YAML file. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text).map((doc) => doc.toJS()).filter((obj) => obj) as Manifest[];
}

export function ofKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

export { parse };
