import { ApiObject, Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { compareDebeziumVersions, ConnectCluster, pluginVersion } from '../src';

const kafka = { bootstrapServers: 'kafka:9092' };

function spec(cluster: ConnectCluster) {
  return ApiObject.of(cluster.resource).toJson().spec;
}

describe('ConnectCluster', () => {
  test('synthesizes a KafkaConnect v1 and its metrics config', () => {
    const chart = Testing.chart();
    new ConnectCluster(chart, 'Connect', { namespace: 'cdc', kafka, image: 'registry.example.com/connect:1' });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('is managed through KafkaConnector resources, with the v1 required fields', () => {
    const chart = Testing.chart();
    const cluster = new ConnectCluster(chart, 'Connect', { name: 'dbz', namespace: 'cdc', kafka });
    const connect = cluster.resource.toJson();
    expect(connect.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(connect.metadata.annotations['strimzi.io/use-connector-resources']).toBe('true');
    expect(connect.spec).toMatchObject({
      replicas: 2, bootstrapServers: 'kafka:9092', groupId: 'dbz',
      configStorageTopic: 'dbz-configs', offsetStorageTopic: 'dbz-offsets', statusStorageTopic: 'dbz-status',
    });
    expect(cluster.serviceAccountName).toBe('dbz-connect');
  });

  // Debezium hashes value.toString().getBytes(): the JVM's default charset. Java 17 takes it from the locale
  // (ASCII without one, so every non-ASCII character hashes as '?' and "Zoë" and "Zoé" collide); Java 18+ says UTF-8
  test('runs the workers with UTF-8 as the default charset, so Debezium\'s hashes are of the UTF-8 bytes on any JVM', () => {
    const chart = Testing.chart();
    const cluster = new ConnectCluster(chart, 'Connect', { namespace: 'cdc', kafka });
    expect(spec(cluster).jvmOptions).toEqual({ javaSystemProperties: [{ name: 'file.encoding', value: 'UTF-8' }] });
  });

  test('registers the Kubernetes Secret config provider under an alias Strimzi does not reserve', () => {
    const config = spec(new ConnectCluster(Testing.chart(), 'Connect', { namespace: 'cdc', kafka })).config;
    expect(config['config.providers']).toBe('secrets');
    expect(config['config.providers.secrets.class']).toBe('io.strimzi.kafka.KubernetesSecretConfigProvider');
    expect(['strimzienv', 'strimzifile', 'strimzidir', 'strimzisecrets']).not.toContain(config['config.providers']);
    expect(config['offset.storage.replication.factor']).toBe(-1);
    // keys Strimzi forbids in spec.config would be dropped silently
    expect(Object.keys(config).filter((k) => /^(group\.id|.*storage\.topic|ssl\.|sasl\.|security\.|bootstrap\.servers|plugin\.path|rest\.)/.test(k))).toEqual([]);
  });

  test('logs in with SASL over TLS with the JVM CA bundle when Kafka has auth', () => {
    const cluster = new ConnectCluster(Testing.chart(), 'Connect', {
      namespace: 'cdc',
      kafka: { bootstrapServers: 'pkc:9092', auth: { mechanism: 'scram-sha-512', username: 'key', passwordSecret: { name: 'cc', key: 'secret' } } },
    });
    expect(spec(cluster)).toMatchObject({
      tls: { trustedCertificates: [] },
      authentication: { type: 'scram-sha-512', username: 'key', passwordSecret: { secretName: 'cc', password: 'secret' } },
    });
  });

  test('builds exactly the plugins of the kinds in use, from Maven at the pinned version', () => {
    const cluster = new ConnectCluster(Testing.chart(), 'Connect', {
      namespace: 'cdc', kafka, build: { image: 'reg/connect:1', pushSecret: 'push' }, plugins: ['postgres'], debeziumVersion: '3.6.1.Final',
    });
    cluster.addPlugin('sqlserver');
    cluster.addPlugin('postgres');
    expect(spec(cluster).build).toEqual({
      output: { type: 'docker', image: 'reg/connect:1', pushSecret: 'push' },
      plugins: ['postgres', 'sqlserver'].map((kind) => ({
        name: `debezium-connector-${kind}`,
        artifacts: [{ type: 'maven', group: 'io.debezium', artifact: `debezium-connector-${kind}`, version: '3.6.1.Final' }],
      })),
    });
  });

  test('builds the MariaDB plugin at its newest release on Maven Central when the cluster runs a newer Debezium', () => {
    const versions = (debeziumVersion: string) => {
      const cluster = new ConnectCluster(Testing.chart(), 'Connect', {
        namespace: 'cdc', kafka, build: { image: 'reg/connect:1' }, plugins: ['mariadb', 'mysql'], debeziumVersion,
      });
      return spec(cluster).build.plugins.map((p: any) => `${p.artifacts[0].artifact}:${p.artifacts[0].version}`);
    };
    expect(versions('3.6.1.Final')).toEqual(['debezium-connector-mariadb:3.5.0.Final', 'debezium-connector-mysql:3.6.1.Final']);
    expect(versions('3.7.0.Alpha2')).toEqual(['debezium-connector-mariadb:3.5.0.Final', 'debezium-connector-mysql:3.7.0.Alpha2']);
    // a cluster on an older Debezium gets the MariaDB plugin of its own version
    expect(versions('3.4.0.Final')).toEqual(['debezium-connector-mariadb:3.4.0.Final', 'debezium-connector-mysql:3.4.0.Final']);
    expect(versions('3.5.0.Final')).toEqual(['debezium-connector-mariadb:3.5.0.Final', 'debezium-connector-mysql:3.5.0.Final']);
  });

  test('orders Debezium versions as Debezium releases them', () => {
    const sorted = ['3.6.1.Final', '3.5.0.Final', '3.6.0.CR1', '3.6.0.Final', '3.6.0.Alpha2', '3.6.0.Beta1', '3.6.0.Alpha1', '3.10.0.Final', '3.6.10.Final']
      .sort(compareDebeziumVersions);
    expect(sorted).toEqual(['3.5.0.Final', '3.6.0.Alpha1', '3.6.0.Alpha2', '3.6.0.Beta1', '3.6.0.CR1', '3.6.0.Final', '3.6.1.Final', '3.6.10.Final', '3.10.0.Final']);
    expect(pluginVersion('postgres', '3.7.0.Final')).toBe('3.7.0.Final');
    expect(() => compareDebeziumVersions('3.6', '3.6.1.Final')).toThrowError('"3.6" is not a Debezium release version; write it as on Maven Central, e.g. "3.6.1.Final"');
  });

  test('uses a prebuilt image without a build', () => {
    const result = spec(new ConnectCluster(Testing.chart(), 'Connect', { namespace: 'cdc', kafka, image: 'reg/prebuilt:1' }));
    expect(result.image).toBe('reg/prebuilt:1');
    expect(result.build).toBeUndefined();
  });

  test('exposes Prometheus metrics through the JMX exporter config map', () => {
    const chart = Testing.chart();
    const cluster = new ConnectCluster(chart, 'Connect', { name: 'dbz', namespace: 'cdc', kafka });
    expect(spec(cluster).metricsConfig).toEqual({ type: 'jmxPrometheusExporter', valueFrom: { configMapKeyRef: { name: 'dbz-metrics', key: 'metrics-config.yml' } } });
    const configMap = Testing.synth(chart).find((o) => o.kind === 'ConfigMap');
    expect(configMap.data['metrics-config.yml']).toContain('debezium_metrics_');
  });

  test('sizes workers: memory limit = request, heap left to Strimzi (75 %)', () => {
    const result = spec(new ConnectCluster(Testing.chart(), 'Connect', { namespace: 'cdc', kafka, memory: '4Gi', cpu: '1' }));
    expect(result.resources).toEqual({ requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '4Gi' } });
  });

  test('refers to a cluster defined elsewhere', () => {
    const imported = ConnectCluster.fromConnectClusterName(Testing.chart(), 'Existing', { name: 'shared', namespace: 'ops', kafka });
    expect(imported.serviceAccountName).toBe('shared-connect');
    expect(imported.namespace).toBe('ops');
  });

  test('fails on a name Kubernetes would reject', () => {
    expect(() => new ConnectCluster(Testing.chart(), 'Connect', { name: 'My_Connect', namespace: 'cdc', kafka }))
      .toThrowError('connect name "My_Connect" is not a DNS-1123 label of at most 45 characters; use lowercase letters, digits and \'-\'');
  });

  test('fails on negative replicas', () => {
    expect(() => new ConnectCluster(Testing.chart(), 'Connect', { namespace: 'cdc', kafka, replicas: -2 }))
      .toThrowError('connect replicas must be a whole number of at least 0, got -2');
  });
});
