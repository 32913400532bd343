import * as fs from 'fs';
import * as path from 'path';
import { load, loadAll } from 'js-yaml';
import { describe, expect, test } from 'vitest';
import { Testing } from 'cdk8s';
import { CdcPlatform, TenantsFile } from '../../src';
import { splitDocuments } from '../../src/app/split-output';
import { synthSplitOutput } from '../support/synth';
import { generatedTenants, platformProblems } from '../support/tenants';

const FIXTURE = load(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'split.yaml'), 'utf8')) as TenantsFile;

const bothOutputs = synthSplitOutput;

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  subjects?: Array<{ kind: string; name: string }>;
}

function objectsOf(text: string): K8sObject[] {
  return loadAll(text) as K8sObject[];
}

/** The folders' files, without the Argo CD Applications. */
function workloadFiles(split: Map<string, string>): Map<string, string> {
  return new Map([...split].filter(([name]) => !name.startsWith('argocd/')));
}

describe('splitOutput', () => {
  for (const [name, file] of [['test/fixtures/split.yaml', FIXTURE], ['300 generated tenants on 4 clusters', generatedTenants(300, { seed: 7, clusters: 4 })]] as const) {
    test(`puts every object of the unsplit output in exactly one folder, in the unsplit order (${name})`, () => {
      const { unsplit, split } = bothOutputs(file);
      const all = splitDocuments(unsplit);
      const folders = [...workloadFiles(split).values()].map(splitDocuments);
      // object for object: the folders' documents together are the unsplit ones, none twice, none left out
      expect(folders.flat().sort()).toEqual([...all].sort());
      expect(new Set(all).size).toBe(all.length);
      // each folder keeps the unsplit order (its documents are a subsequence of the unsplit ones)
      for (const documents of folders) {
        const positions = documents.map((d) => all.indexOf(d));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      }
    });
  }

  test('gives a Connect cluster its KafkaConnect, connectors, RBAC, monitoring and own KafkaUser, and shares the rest', () => {
    const { split } = bothOutputs(FIXTURE);
    expect([...split.keys()]).toEqual([
      'shared/tenant-cdc.k8s.yaml', 'clusters/connect-a/tenant-cdc.k8s.yaml', 'clusters/connect-b/tenant-cdc.k8s.yaml',
      'clusters/connect-c/tenant-cdc.k8s.yaml', 'argocd/applications.k8s.yaml',
    ]);
    for (const cluster of ['connect-a', 'connect-b', 'connect-c']) {
      const objects = objectsOf(split.get(`clusters/${cluster}/tenant-cdc.k8s.yaml`)!);
      const serviceAccount = `${cluster}-connect`;
      expect(objects.filter((o) => o.kind === 'KafkaConnect').map((o) => o.metadata.name)).toEqual([cluster]);
      for (const object of objects) {
        // everything in the folder runs on, reads for, or watches this cluster
        if (object.kind === 'KafkaConnector') expect(object.metadata.labels!['strimzi.io/cluster']).toBe(cluster);
        if (object.kind === 'RoleBinding') expect(object.subjects!.map((s) => s.name)).toEqual([serviceAccount]);
      }
      expect(objects.filter((o) => o.kind === 'PodMonitor')).toHaveLength(1);
      expect(objects.filter((o) => o.kind === 'PrometheusRule')).toHaveLength(1);
    }
    // connect-b logs in as a Kafka user of its own; connect-a and connect-c share theirs, so it is shared
    expect(objectsOf(split.get('clusters/connect-b/tenant-cdc.k8s.yaml')!).filter((o) => o.kind === 'KafkaUser').map((o) => o.metadata.name)).toEqual(['connect-b']);
    expect(objectsOf(split.get('clusters/connect-c/tenant-cdc.k8s.yaml')!).filter((o) => o.kind === 'KafkaConnector').map((o) => o.metadata.name).sort())
      .toEqual(['delta', 'gamma', 'shared-sql']);
    const shared = objectsOf(split.get('shared/tenant-cdc.k8s.yaml')!);
    expect(shared.map((o) => `${o.kind} ${o.metadata.name}`).sort()).toEqual([
      'Deployment connect-a-processor', 'KafkaUser connect', 'KafkaUser processor', 'PodDisruptionBudget connect-a-processor',
      'PrometheusRule connect-a-processor-alerts', 'Service connect-a-processor-metrics', 'ServiceAccount connect-a-processor', 'ServiceMonitor connect-a-processor-metrics',
    ]);
  });

  test('warns when Connect clusters share a KafkaUser, which lands in shared/ and syncs apart from their connectors', () => {
    const warningsOf = (file: TenantsFile) => new CdcPlatform(Testing.chart(), 'cdc', file).warnings.filter((w) => w.startsWith('output.split'));
    expect(warningsOf(FIXTURE)).toEqual([expect.stringMatching(/^output\.split: Connect clusters connect-a, connect-c log in as a KafkaUser that goes to shared\/ .*give each Connect cluster its own login/)]);
    const ownLogins = { ...FIXTURE, connect: { ...FIXTURE.connect!, clusters: FIXTURE.connect!.clusters!.map((c) => ({ ...c, kafkaAuth: { username: c.name, passwordSecret: { name: `kafka-${c.name}`, key: 'password' } } })),
      kafkaAuth: { username: 'connect-a', passwordSecret: { name: 'kafka-connect-a', key: 'password' } } } } as TenantsFile;
    expect(warningsOf(ownLogins)).toEqual([]);
    expect(warningsOf({ ...FIXTURE, output: undefined } as TenantsFile)).toEqual([]);
  });

  test('every Role that a Connect cluster\'s ServiceAccount is bound to is in that cluster\'s folder (300 tenants, 4 clusters)', () => {
    const { split } = bothOutputs(generatedTenants(300, { seed: 8, clusters: 4 }));
    let bindings = 0;
    for (const [name, text] of workloadFiles(split)) {
      const objects = objectsOf(text);
      for (const binding of objects.filter((o) => o.kind === 'RoleBinding')) {
        bindings++;
        expect(name, `${binding.metadata.name}`).toBe(`clusters/${binding.subjects![0].name.replace(/-connect$/, '')}/tenant-cdc.k8s.yaml`);
        // its Role is next to it
        expect(objects.some((o) => o.kind === 'Role' && o.metadata.name === (binding as unknown as { roleRef: { name: string } }).roleRef.name)).toBe(true);
      }
      if (name.startsWith('shared/')) expect(objects.filter((o) => o.metadata.labels?.['tenant-cdc/tenant'])).toEqual([]);
    }
    // one Role and RoleBinding per Connect cluster
    expect(bindings).toBe(4);
  });

  describe('a one-tenant edit', () => {
    const file = generatedTenants(200, { seed: 9, clusters: 3 });
    const before = bothOutputs(file).split;
    const changedFiles = (edit: (tenant: TenantsFile['tenants'][number]) => TenantsFile['tenants'][number]) => {
      const after = bothOutputs({ ...file, tenants: file.tenants.map((t, i) => (i === 17 ? edit(t) : t)) }).split;
      expect([...after.keys()]).toEqual([...before.keys()]);
      return [...after.keys()].filter((name) => after.get(name) !== before.get(name));
    };

    test('to its connector changes only its cluster\'s file', () => {
      const changed = changedFiles((t) => ({ ...t, snapshotMode: 'when_needed', state: 'paused' }));
      expect(changed).toHaveLength(1);
      expect(changed[0]).toMatch(/^clusters\/cdc(-\d)?\/tenant-cdc\.k8s\.yaml$/);
      expect(bothOutputs(file).split.get(changed[0])).toContain(`name: ${file.tenants[17].id}\n`);
    });

    test('adding a table changes its cluster\'s file and the processor\'s (it signals snapshots of added tables), no other cluster\'s', () => {
      const changed = changedFiles((t) => ({ ...t, tables: [...t.tables!, `${String(t.tables![0]).split('.')[0]}.refunds`] }));
      expect(changed.filter((f) => f.startsWith('clusters/'))).toHaveLength(1);
      expect(changed.filter((f) => !f.startsWith('clusters/'))).toEqual(['shared/tenant-cdc.k8s.yaml']);
    });
  });

  test('writes an Argo CD Application per folder, whose path is that folder, shared in an earlier sync wave than the clusters', () => {
    const { split } = bothOutputs(FIXTURE);
    const applications = objectsOf(split.get('argocd/applications.k8s.yaml')!) as Array<K8sObject & { spec: { source: { path: string; repoURL: string; targetRevision: string }; destination: unknown; project: string } }>;
    const root = 'deploy/cdc/';
    expect(applications.map((a) => a.spec.source.path.slice(root.length))).toEqual([...workloadFiles(split).keys()].map((f) => path.posix.dirname(f)));
    expect(applications.map((a) => [a.metadata.name, a.metadata.namespace, a.metadata.annotations!['argocd.argoproj.io/sync-wave']])).toEqual([
      ['cdc-shared', 'argocd', '0'], ['cdc-connect-connect-a', 'argocd', '1'], ['cdc-connect-connect-b', 'argocd', '1'], ['cdc-connect-connect-c', 'argocd', '1'],
    ]);
    for (const application of applications) {
      expect(application.spec.source.repoURL).toBe('https://git.example.com/platform/cdc-config.git');
      expect(application.spec.source.targetRevision).toBe('main');
      expect(application.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'cdc' });
      expect(application.spec.project).toBe('default');
    }
  });

  test('gives every Application the sync policy asked for', () => {
    const { split } = bothOutputs({ ...FIXTURE, output: { split: 'connect-cluster', argocd: { ...FIXTURE.output!.argocd!, syncPolicy: { automated: { prune: true } } } } });
    const applications = objectsOf(split.get('argocd/applications.k8s.yaml')!);
    expect(applications.map((a) => a.spec!.syncPolicy)).toEqual(applications.map(() => ({ automated: { prune: true, selfHeal: false } })));
  });

  test('without output.argocd, writes the folders and no Applications', () => {
    const { split } = bothOutputs({ ...FIXTURE, output: { split: 'connect-cluster' } });
    expect([...split.keys()].filter((f) => f.startsWith('argocd/'))).toEqual([]);
  });
});

describe('output settings in the tenants file', () => {
  const argocd = FIXTURE.output!.argocd!;
  test.each([
    [{ split: 'per-cluster' }, /^output\.split: "per-cluster" is not a valid output split; use one of: none, connect-cluster/],
    [{ argocd }, /^output\.argocd: Argo CD Applications are written per folder of a split output, but split is "none"; set output\.split: connect-cluster, or remove output\.argocd/],
    [{ split: 'connect-cluster', argocd: { ...argocd, destination: { server: 'https://a.example.com', name: 'in-cluster' } } },
      /^output\.argocd\.destination: both server and name are set, got .*; set exactly one: server/],
    [{ split: 'connect-cluster', argocd: { ...argocd, destination: { namespace: 'cdc' } } }, /^output\.argocd\.destination: neither server nor name is set/],
    [{ split: 'connect-cluster', argocd: { ...argocd, path: '../dist' } }, /^output\.argocd\.path: "\.\.\/dist" is not a relative folder in the repository; .* e\.g\. "dist"/],
    [{ split: 'connect-cluster', argocd: { ...argocd, path: '/dist/' } }, /^output\.argocd\.path: "\/dist\/" is not a relative folder/],
    [{ split: 'connect-cluster', argocd: { ...argocd, repoURL: 'git.example.com/cdc' } }, /^output\.argocd\.repoURL: "git\.example\.com\/cdc" is not a Git repository URL/],
    [{ split: 'connect-cluster', argocd: { ...argocd, syncPolicy: { automated: { prune: 'yes' } } } }, /^output\.argocd\.syncPolicy\.automated\.prune: expected a boolean, got "yes"/],
    [{ split: 'connect-cluster', argocd: { ...argocd, syncOptions: [] } }, /^output\.argocd\.syncOptions: /],
    [{ split: 'connect-cluster', layout: 'x' }, /^output\.layout: /],
  ])('rejects %j with where, the value and the fix', (output, message) => {
    const problems = platformProblems({ ...FIXTURE, output } as TenantsFile);
    expect(problems.join('\n')).toMatch(message);
  });

  test('accepts a destination by name and the defaults', () => {
    const { split } = bothOutputs({ ...FIXTURE, output: { split: 'connect-cluster', argocd: { repoURL: 'git@git.example.com:cdc.git', destination: { name: 'in-cluster' } } } });
    const [first] = objectsOf(split.get('argocd/applications.k8s.yaml')!) as Array<K8sObject & { spec: Record<string, unknown> }>;
    expect(first.metadata.namespace).toBe('argocd');
    expect(first.spec).toEqual({
      project: 'default', destination: { name: 'in-cluster', namespace: 'cdc' },
      source: { repoURL: 'git@git.example.com:cdc.git', targetRevision: 'HEAD', path: 'dist/shared' },
    });
  });
});
