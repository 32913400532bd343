import { expect, test } from 'vitest';
// @ts-expect-error: a plain ES module script shared with the e2e harness, the demo and the benchmarks
import { connectWorkerConfig, operatorSecretNames } from '../scripts/strimzi-operator.mjs';
import { ofKind, synthPlatform } from './support/synth';
import { sampleTenants } from './support/tenants';

/**
 * The e2e harness writes the Connect worker's configuration as Strimzi 1.2.0's operator would. The expected
 * lines are those Strimzi's own KafkaConnectConfigurationBuilderTest asserts (testWithTls,
 * testWithPlainAndSaslMechanism), written out here for a KafkaConnect named my-cluster in namespace
 * `namespace`: if the mirror drifts from the operator, these fail.
 */
const kafkaConnect = (spec: Record<string, unknown>) => ({
  metadata: { name: 'my-cluster', namespace: 'namespace' },
  spec: { bootstrapServers: 'my-cluster-kafka-bootstrap:9092', groupId: 'my-group', configStorageTopic: 'c', offsetStorageTopic: 'o', statusStorageTopic: 's', ...spec },
});
const local = { restPort: 28083, pluginPath: '/plugins', kafkaHome: '/kafka' };
const lines = (spec: Record<string, unknown>): string[] => connectWorkerConfig(kafkaConnect(spec), local).map(([k, v]: [string, string]) => `${k}=${v}`);

test('spec.tls with trusted certificates: SSL, a PEM truststore from the operator\'s Secret, for the worker and its producer, consumer and admin', () => {
  const config = lines({ tls: { trustedCertificates: [{ secretName: 'tls-trusted-certificate', pattern: '*.crt' }] } });
  expect(config).toEqual(expect.arrayContaining([
    'security.protocol=SSL',
    'producer.security.protocol=SSL',
    'consumer.security.protocol=SSL',
    'admin.security.protocol=SSL',
    'ssl.truststore.certificates=${strimzisecrets:namespace/my-cluster-connect-tls-trusted-certs:ca.crt}',
    'ssl.truststore.type=PEM',
    'producer.ssl.truststore.certificates=${strimzisecrets:namespace/my-cluster-connect-tls-trusted-certs:ca.crt}',
    'producer.ssl.truststore.type=PEM',
    'consumer.ssl.truststore.certificates=${strimzisecrets:namespace/my-cluster-connect-tls-trusted-certs:ca.crt}',
    'consumer.ssl.truststore.type=PEM',
    'admin.ssl.truststore.certificates=${strimzisecrets:namespace/my-cluster-connect-tls-trusted-certs:ca.crt}',
    'admin.ssl.truststore.type=PEM',
  ]));
  // trustedCertificates: [] is TLS with the JVM's CAs: no truststore at all
  expect(lines({ tls: { trustedCertificates: [] } }).filter((l) => l.includes('truststore'))).toEqual([]);
});

test('spec.authentication plain: SASL_PLAINTEXT without tls, the password through strimzisecrets, four copies', () => {
  const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="user1" password="${strimzisecrets:namespace/my-auth-secret:my-password-key}";';
  const config = lines({ authentication: { type: 'plain', username: 'user1', passwordSecret: { secretName: 'my-auth-secret', password: 'my-password-key' } } });
  expect(config).toEqual(expect.arrayContaining([
    'security.protocol=SASL_PLAINTEXT', 'producer.security.protocol=SASL_PLAINTEXT', 'consumer.security.protocol=SASL_PLAINTEXT', 'admin.security.protocol=SASL_PLAINTEXT',
    'sasl.mechanism=PLAIN', `sasl.jaas.config=${jaas}`,
    'producer.sasl.mechanism=PLAIN', `producer.sasl.jaas.config=${jaas}`,
    'consumer.sasl.mechanism=PLAIN', `consumer.sasl.jaas.config=${jaas}`,
    'admin.sasl.mechanism=PLAIN', `admin.sasl.jaas.config=${jaas}`,
  ]));
});

test('the user\'s config: forbidden keys dropped (case-insensitively, exceptions exactly), behind the operator\'s config providers and converter defaults', () => {
  const config = lines({ config: {
    'config.providers': 'secrets', 'ssl.truststore.location': '/x', 'SASL.mechanism': 'PLAIN', 'ssl.endpoint.identification.algorithm': '', 'ssl.protocol': 'TLSv1.3',
    'group.id': 'g', 'offset.flush.interval.ms': 10000,
  } });
  expect(config).toContain('config.providers=secrets,strimzienv,strimzifile,strimzidir,strimzisecrets');
  expect(config).toContain('config.providers.strimzisecrets.class=io.strimzi.kafka.KubernetesSecretConfigProvider');
  expect(config).toContain('ssl.endpoint.identification.algorithm=');
  expect(config).toContain('ssl.protocol=TLSv1.3');
  expect(config).toContain('offset.flush.interval.ms=10000');
  expect(config.filter((l) => /^(ssl\.truststore\.location|SASL\.mechanism|group\.id=g)/.test(l))).toEqual([]);
  // the defaults come first, a user's value would replace them in place
  expect(config.indexOf('key.converter=org.apache.kafka.connect.json.JsonConverter')).toBeLessThan(config.indexOf('offset.flush.interval.ms=10000'));
  expect(config.at(-1)).toBe('admin.security.protocol=PLAINTEXT');
});

test('what tenant-cdc synthesizes: SASL_SSL with the private CA, and the Secrets the operator\'s Role must let Connect read', () => {
  const sample = sampleTenants();
  const connect = ofKind(synthPlatform({ ...sample, kafka: { ...sample.kafka, tls: { caSecret: { name: 'kafka-ca', key: 'ca.crt' } } } }), 'KafkaConnect')[0];
  const config = connectWorkerConfig(connect, local).map(([k, v]: [string, string]) => `${k}=${v}`);
  expect(config).toContain('security.protocol=SASL_SSL');
  expect(config).toContain('ssl.truststore.certificates=${strimzisecrets:cdc/cdc-connect-connect-tls-trusted-certs:ca.crt}');
  expect(config).toContain('sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="APIKEY" password="${strimzisecrets:cdc/ccloud:api-secret}";');
  expect(operatorSecretNames(connect).sort()).toEqual(['ccloud', 'cdc-connect-connect-tls-trusted-certs']);
});
