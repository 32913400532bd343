import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { ROLE_SECRET_NAMES_MAX_BYTES, SecretAccess, secretNamesBytes } from '../../src';
import { generatedTenants } from '../support/tenants';
import { parseManifests, synthPlatformYaml } from '../support/synth';
import { ensureNamespace, kubectl, kubectlOk, putSecrets, serverSideApply, serviceAccountCredentials, testCluster } from './support/kubernetes';
// @ts-expect-error: a plain ES module script shared with the demo
import { kubeGet } from '../../scripts/kube.mjs';

/**
 * The output meets a real kube-apiserver (RBAC on, the Strimzi 1.2.0 CRDs installed) the way Argo CD
 * applies it: server-side apply. Accepted as a whole; applied again, nothing changes (no field the server
 * normalizes differently from what we write, which would keep Argo CD OutOfSync forever).
 */
const root = path.join(__dirname, '..', '..');
const committedDist = fs.readdirSync(path.join(root, 'dist')).map((f) => fs.readFileSync(path.join(root, 'dist', f), 'utf8')).join('---\n');

/** Every object of the YAML as the server has it: kind/name to resourceVersion and generation. */
function serverState(yaml: string): Map<string, string> {
  const objects = parseManifests(yaml);
  const kinds = [...new Set(objects.map((o) => o.kind))].join(',');
  // every object tenant-cdc writes carries this label
  const list = JSON.parse(kubectlOk(['get', kinds, '-n', objects[0].metadata.namespace!, '-l', 'app.kubernetes.io/part-of=tenant-cdc', '-o', 'json']));
  return new Map(list.items.map((item: any) => [`${item.kind}/${item.metadata.name}`, `${item.metadata.resourceVersion}/${item.metadata.generation ?? '-'}`]));
}

describe.each([
  ['the committed dist/', () => committedDist],
  ['a generated file of 300 tenants (all kinds, Confluent Cloud auth)', () => synthPlatformYaml({ ...generatedTenants(300, { seed: 7 }), namespace: 'cdc-gen' })],
  ['a file for a Strimzi-managed Kafka: SCRAM, a private CA, KafkaUsers with their ACLs', () => {
    const file = generatedTenants(20, { seed: 11 });
    return synthPlatformYaml({
      ...file,
      namespace: 'cdc-users',
      kafka: {
        bootstrapServers: 'my-cluster-kafka-bootstrap.kafka.svc:9093',
        auth: { mechanism: 'scram-sha-512', username: 'cdc-connect', passwordSecret: { name: 'cdc-connect-kafka', key: 'password' } },
        tls: { caSecret: { name: 'my-cluster-cluster-ca-cert', key: 'ca.crt' } },
        acls: { kafkaUsers: { cluster: 'my-cluster' } },
      },
      processor: { ...file.processor, kafkaAuth: { username: 'cdc-processor', passwordSecret: { name: 'cdc-processor-kafka', key: 'password' } } },
    });
  }],
])('%s on a real API server', (_, output) => {
  const yaml = output();
  const objects = parseManifests(yaml);

  test('server-side apply accepts every object', () => {
    ensureNamespace(objects[0].metadata.namespace!);
    const result = serverSideApply(yaml);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(objects.length);
    expect(serverState(yaml).size).toBe(objects.length);
  });

  test('applying it again changes nothing: same resourceVersions, and a server-side diff is empty', () => {
    const before = serverState(yaml);
    expect(serverSideApply(yaml).status).toBe(0);
    expect(serverState(yaml)).toEqual(before);
    const diff = kubectl(['diff', '--server-side', '--field-manager=argocd-controller', '-f', '-'], { input: yaml });
    expect(diff.stdout).toBe('');
    expect(diff.status).toBe(0);
  });

  test('the one generated Role lets Connect\'s ServiceAccount read exactly the referenced Secrets: each one resolves, any other is 403', async () => {
    const namespace = objects[0].metadata.namespace!;
    const connect = objects.find((o) => o.kind === 'KafkaConnect')!.metadata.name;
    expect(objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.name)).toEqual([`${connect}-connect-secrets`]);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-sa-'));
    // Strimzi creates this ServiceAccount for the Connect pods; the token is what the kubelet would mount
    const { kubeconfig, token } = serviceAccountCredentials(namespace, `${connect}-connect`, work);
    const referenced = [...new Set(yaml.match(/\$\{secrets:[^/]+\/[^:]+:/g)!.map((p) => p.slice(p.indexOf('/') + 1, -1)))];
    expect(referenced.length).toBeGreaterThan(objects.length > 100 ? 250 : 2);
    // the Secrets exist, as the platform team creates them (values made up now), and so does one no connector names
    const unreferenced = 'some-other-secret';
    putSecrets(namespace, [...referenced, unreferenced].map((name) => ({ name, data: { password: randomBytes(12).toString('hex') } })));
    // what the Kubernetes config provider does: GET each Secret with the pod's token
    const get = (secret: string, inNamespace = namespace) => secretStatus(token, inNamespace, secret);
    for (const secret of referenced) expect(await get(secret), secret).toBe(200);
    expect(await get(unreferenced)).toBe(403);
    expect(await get(referenced[0], 'default')).toBe(403);
    expect(kubectl(['auth', 'can-i', 'list', 'secrets', '-n', namespace], { kubeconfig }).stdout.trim()).toBe('no');
    fs.rmSync(work, { recursive: true, force: true });
  });
});

describe('one Role per Connect cluster fits the API server up to the limit tenant-cdc sets', () => {
  // 33-character names, as a fleet's Secrets are often named: the most ROLE_SECRET_NAMES_MAX_BYTES allows
  const names = Array.from({ length: 3640 }, (_, i) => `tenant-acme-${String(i).padStart(6, '0')}-db-credentials`);

  test('a Role of as many Secret names as tenant-cdc allows is accepted by client-side apply, whose annotation is the tighter limit', () => {
    expect(secretNamesBytes(names)).toBeLessThanOrEqual(ROLE_SECRET_NAMES_MAX_BYTES);
    const chart = Testing.chart();
    new SecretAccess(chart, 'Access', { name: 'cdc-big-connect-secrets', namespace: 'cdc-limit', secretNames: names, serviceAccountName: 'cdc-big-connect' });
    ensureNamespace('cdc-limit');
    const yaml = Testing.synth(chart).map((o) => JSON.stringify(o)).join('\n---\n');
    const result = kubectl(['apply', '-f', '-'], { input: yaml });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // and twice as many are refused: the ceiling is real (npm run bench:rbac finds it exactly)
    const twice = JSON.stringify({ ...Testing.synth(chart)[0], metadata: { name: 'cdc-twice', namespace: 'cdc-limit' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [...names, ...names.map((n) => `${n}-b`)] }] });
    const refused = kubectl(['apply', '-f', '-'], { input: twice });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/metadata\.annotations: Too long/);
  });
});

/** The HTTP status of a GET of a Secret with a ServiceAccount's token, as Connect's config provider makes it. */
function secretStatus(token: string, namespace: string, secret: string): Promise<number> {
  // kubeGet sends the cluster's token: this cluster's, with the ServiceAccount's token in its place
  return kubeGet({ ...testCluster(), adminToken: token }, `/api/v1/namespaces/${namespace}/secrets/${secret}`).then((r: { status: number }) => r.status);
}

describe('the API server rejects what Strimzi 1.2 would not take, so these tests can fail', () => {
  const connector = parseManifests(committedDist).find((o) => o.kind === 'KafkaConnector')!;
  const asYaml = (o: unknown) => JSON.stringify(o);

  test.each([
    ['an unknown field in a KafkaConnector', { ...connector, spec: { ...connector.spec, taskMax: 2 } }, /\.spec\.taskMax: field not declared in schema/],
    ['a state Strimzi does not know', { ...connector, spec: { ...connector.spec, state: 'sleeping' } }, /spec\.state: Unsupported value: "sleeping"/],
    ['a tasksMax of the wrong type', { ...connector, spec: { ...connector.spec, tasksMax: 'one' } }, /spec\.tasksMax/],
    ['the removed v1beta2 API', { ...connector, apiVersion: 'kafka.strimzi.io/v1beta2' }, /no matches for kind "KafkaConnector" in version "kafka.strimzi.io\/v1beta2"/],
  ])('%s', (_, object, error) => {
    const result = serverSideApply(asYaml({ ...object, metadata: { ...connector.metadata, name: 'broken' } }));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(error);
  });
});
