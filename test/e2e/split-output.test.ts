import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TenantsFile } from '../../src';
import { replaceFolder } from '../../src/app/replace-folder';
// @ts-expect-error: a plain ES module script shared with the tests
import { argocdCrdsDir } from '../../scripts/argocd-crds.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { installCrds } from '../../scripts/kube.mjs';
import { parseManifests, synthSplitOutput } from '../support/synth';
import { generatedTenants } from '../support/tenants';
import { ensureNamespace, kubectl, kubectlOk, serverSideApply, testCluster } from './support/kubernetes';

/**
 * A split output (output.split: connect-cluster) meets a real kube-apiserver with the Strimzi CRDs and
 * Argo CD 3.6.1's CRDs installed: the Applications pass the API server's schema validation (server-side
 * apply, stored), each points at a folder the output has, and the folders applied one by one, each on its
 * own as its Application would, end in exactly the objects of the unsplit output.
 */
const namespace = 'cdc-split';
const repoPath = 'deploy/cdc';
const base = generatedTenants(120, { seed: 21, clusters: 3 });
const file: TenantsFile = {
  ...base,
  namespace,
  // a KafkaUser per principal: Connect's in shared/ (every cluster logs in with it), the processor's too
  kafka: { ...base.kafka, auth: { ...base.kafka.auth!, username: 'cdc-connect' }, acls: { kafkaUsers: { cluster: 'my-cluster' } } },
  processor: { ...base.processor, kafkaAuth: { ...base.processor!.kafkaAuth!, username: 'cdc-processor' } },
  output: {
    split: 'connect-cluster',
    argocd: { repoURL: 'https://git.example.com/platform/cdc-config.git', targetRevision: 'main', path: repoPath, syncPolicy: { automated: { prune: true, selfHeal: true } } },
  },
};
const { unsplit, split } = synthSplitOutput(file);
let outdir: string;

interface Application { metadata: { name: string; namespace: string }; spec: { source: { path: string; repoURL: string } } }

beforeAll(async () => {
  const cluster = testCluster();
  await installCrds(cluster, cluster.kubectl, argocdCrdsDir());
  kubectlOk(['wait', '--for=condition=Established', 'crd/applications.argoproj.io', 'crd/applicationsets.argoproj.io', 'crd/appprojects.argoproj.io', '--timeout=120s']);
  ensureNamespace('argocd');
  ensureNamespace(namespace);
  // the output as synth writes it, in a folder of its own
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-split-'));
  replaceFolder(path.join(outdir, 'dist'), split);
}, 600_000);

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('a split output with Argo CD Applications on a real API server', () => {
  const applicationsYaml = split.get('argocd/applications.k8s.yaml')!;
  const applications = parseManifests(applicationsYaml) as unknown as Application[];

  test('the API server stores every Application (server-side apply, validated against Argo CD 3.6.1\'s CRD)', () => {
    const result = serverSideApply(applicationsYaml);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(applications.length);
    const stored = JSON.parse(kubectlOk(['get', 'applications.argoproj.io', '-n', 'argocd', '-o', 'json'])).items as Application[];
    expect(stored.map((a) => [a.metadata.name, a.spec.source.path]).sort()).toEqual(applications.map((a) => [a.metadata.name, a.spec.source.path]).sort());
    // the validation is real: the same CRD refuses an Application without a destination
    const broken = applicationsYaml.split('---\n')[0].replace(/ {2}destination:\n( {4}.*\n)+/, '');
    const refused = serverSideApply(broken.replace(/name: \S+-shared/, 'name: broken'));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/spec\.destination: Required value/);
  });

  test('each Application\'s source path is a folder of the output, with the output in it, and every folder has one', () => {
    const folders = [...split.keys()].filter((f) => !f.startsWith('argocd/')).map((f) => path.posix.dirname(f));
    expect(applications.map((a) => a.spec.source.path).sort()).toEqual(folders.map((f) => `${repoPath}/${f}`).sort());
    for (const application of applications) {
      const folder = path.join(outdir, 'dist', application.spec.source.path.slice(repoPath.length + 1));
      expect(fs.statSync(folder).isDirectory(), folder).toBe(true);
      expect(fs.readdirSync(folder).filter((f) => f.endsWith('.yaml'))).toEqual(['tenant-cdc.k8s.yaml']);
    }
  });

  test('each folder applied on its own (server-side, clusters first) ends in exactly the objects of the unsplit output', () => {
    const folders = applications.map((a) => a.spec.source.path.slice(repoPath.length + 1)).reverse();
    expect(folders.filter((f) => f.startsWith('clusters/'))).toHaveLength(3);
    let applied = 0;
    for (const folder of folders) {
      const yaml = fs.readFileSync(path.join(outdir, 'dist', folder, 'tenant-cdc.k8s.yaml'), 'utf8');
      const result = serverSideApply(yaml);
      expect(result.status, `${folder}: ${result.stderr}`).toBe(0);
      applied += result.stdout.trim().split('\n').length;
    }
    const expected = parseManifests(unsplit);
    expect(applied).toBe(expected.length);
    const kinds = [...new Set(expected.map((o) => o.kind))].join(',');
    const onServer = JSON.parse(kubectlOk(['get', kinds, '-n', namespace, '-l', 'app.kubernetes.io/part-of=tenant-cdc', '-o', 'json'])).items
      .map((o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`).sort();
    expect(onServer).toEqual(expected.map((o) => `${o.kind}/${o.metadata.name}`).sort());
    // and they are the unsplit output's objects field for field: a server-side diff of it is empty
    const diff = kubectl(['diff', '--server-side', '--field-manager=argocd-controller', '-f', '-'], { input: unsplit });
    expect(diff.stdout).toBe('');
    expect(diff.status).toBe(0);
  });
});
