import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { FolderApplications, OutputFolder } from '../argocd/folder-applications';
import { connectClusterOwnerOf } from '../output/connect-cluster-owner';
import type { ArgoCdSettings } from '../tenants/schema';
import { renderApp, RenderedChart } from './manifests';

/** The folders of a split output, relative to the output folder. */
export const SHARED_FOLDER = 'shared';
export const CLUSTERS_FOLDER = 'clusters';
export const ARGOCD_FOLDER = 'argocd';

export interface SplitOutputProps {
  /** The chart that was rendered, to find which Connect cluster owns each of its objects. */
  readonly chart: Chart;
  /** What renderCharts made of it. */
  readonly rendered: RenderedChart;
  /** The file name each folder gets, the unsplit output's (e.g. `tenant-cdc.k8s.yaml`). */
  readonly fileName: string;
  /** Every Connect cluster, the first one first: one folder each, in this order. */
  readonly clusters: readonly string[];
  /** The tenants file's namespace. */
  readonly namespace: string;
  /** When set, `argocd/` holds an Application per folder. */
  readonly argocd?: ArgoCdSettings;
}

/**
 * The output split by Connect cluster: `clusters/<name>/` holds what a Connect cluster owns (as the
 * constructs that made them say, see output/connect-cluster-owner.ts), `shared/` everything else, and
 * `argocd/` the Applications. Each object keeps its YAML text and its place in the unsplit order, so the
 * folders together hold exactly the unsplit output's documents.
 *
 * @returns file path relative to the output folder (with '/') to YAML text
 */
export function splitOutput(props: SplitOutputProps): Map<string, string> {
  const ownerByKey = new Map<string, string | undefined>();
  for (const construct of props.chart.node.findAll()) {
    if (!isApiObject(construct) || Chart.of(construct) !== props.chart) continue;
    const key = objectKey(construct.apiVersion, construct.kind, construct.metadata.namespace, construct.name);
    const owner = connectClusterOwnerOf(construct);
    if (ownerByKey.has(key) && ownerByKey.get(key) !== owner) {
      throw new Error(`splitOutput: two objects are ${construct.kind} ${construct.name}, owned by ${ownerByKey.get(key) ?? 'shared'} and ${owner ?? 'shared'}; give them different names`);
    }
    ownerByKey.set(key, owner);
  }
  const documents = splitDocuments(props.rendered.yaml);
  if (documents.length !== props.rendered.objects.length) {
    throw new Error(`splitOutput: ${documents.length} YAML documents for ${props.rendered.objects.length} objects; the YAML writer and the objects disagree`);
  }
  const byFolder = new Map<string, string[]>([[SHARED_FOLDER, []], ...props.clusters.map((c): [string, string[]] => [clusterFolder(c), []])]);
  props.rendered.objects.forEach((object, i) => {
    const { apiVersion, kind, metadata } = object as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
    const key = objectKey(apiVersion, kind, metadata.namespace, metadata.name);
    if (!ownerByKey.has(key)) throw new Error(`splitOutput: no construct of chart ${props.chart.node.id} made ${kind} ${metadata.name}`);
    const owner = ownerByKey.get(key);
    const folder = owner === undefined ? SHARED_FOLDER : clusterFolder(owner);
    const documentsOfFolder = byFolder.get(folder);
    if (!documentsOfFolder) throw new Error(`splitOutput: ${kind} ${metadata.name} belongs to Connect cluster ${owner}, which is not one of ${props.clusters.join(', ')}`);
    documentsOfFolder.push(documents[i]);
  });
  const files = new Map<string, string>();
  for (const [folder, texts] of byFolder) files.set(`${folder}/${props.fileName}`, texts.join('---\n'));
  if (props.argocd) {
    const app = new App();
    const chart = new Chart(app, 'applications', { disableResourceNameHashes: true });
    new FolderApplications(chart, 'Applications', { settings: props.argocd, namespace: props.namespace, folders: outputFolders(props.namespace, props.clusters) });
    files.set(`${ARGOCD_FOLDER}/applications${app.outputFileExtension}`, renderApp(app).get(`applications${app.outputFileExtension}`)!);
  }
  return files;
}

/**
 * The folders and their Applications: `shared/` in wave 0, before the clusters in wave 1, because a
 * KafkaUser that Connect shares with the processor (and so its ACLs) is in `shared/`; nothing in `shared/`
 * waits for a cluster.
 */
export function outputFolders(namespace: string, clusters: readonly string[]): OutputFolder[] {
  return [
    { folder: SHARED_FOLDER, name: `${namespace}-shared`, syncWave: '0' },
    ...clusters.map((c) => ({ folder: clusterFolder(c), name: `${namespace}-connect-${c}`, syncWave: '1' })),
  ];
}

export function clusterFolder(cluster: string): string {
  return `${CLUSTERS_FOLDER}/${cluster}`;
}

/**
 * The documents of a YAML text written by toYaml and joined with '---\n': every object starts at the start
 * of a line, and no line of an object is '---' (keys are quoted unless they start with a letter, and
 * block scalars are indented), so the separators are exactly the lines '---'.
 */
export function splitDocuments(yaml: string): string[] {
  return yaml === '' ? [] : yaml.split(/(?<=\n)---\n/);
}

function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion}\n${kind}\n${namespace ?? ''}\n${name}`;
}

function isApiObject(construct: IConstruct): construct is ApiObject {
  return construct instanceof ApiObject;
}
