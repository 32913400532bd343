// What Strimzi's Cluster Operator makes of a KafkaConnect, for the test harness, the demo and the
// benchmarks, which run a Connect worker as a plain process where a cluster would run a Strimzi pod:
//
// - the worker's configuration, key for key and in the same order, as KafkaConnectCluster
//   .generateConnectConfigMap builds it with KafkaConnectConfigurationBuilder (spec.tls becomes a PEM
//   truststore read through the operator's `strimzisecrets` provider, spec.authentication the SASL settings,
//   each copied under `producer.`, `consumer.` and `admin.`; spec.config minus the keys Strimzi forbids,
//   behind the operator's own config providers);
// - the Kubernetes objects it creates for those placeholders: the Secret `<name>-connect-tls-trusted-certs`
//   (every trusted certificate, joined) and the Role `<name>-connect` with its RoleBinding
//   `<name>-connect-connect-role` (KafkaConnectResources), `get` on exactly the Secrets the placeholders name.
//
// Read from strimzi/strimzi-kafka-operator at tag 1.2.0 (commit 6c7b43c4af0db547c10463ba09d1dfa6f5e156a0):
// cluster-operator/.../model/KafkaConnectConfigurationBuilder.java, KafkaConnectCluster.java,
// KafkaConnectConfiguration.java, AuthenticationUtils.java, operator/assembly/AbstractConnectOperator.java,
// api/.../connect/KafkaConnectSpec.java (FORBIDDEN_PREFIXES), docker-images/.../kafka_connect_run.sh (the
// pod runs the ConfigMap's file unchanged). Only what names the pod's own paths and port differs here, because
// the worker is not in a pod: it listens on 127.0.0.1:<restPort> instead of :8083 and advertises that port,
// loads plugins from the local folder instead of /opt/kafka/plugins, and the `strimzidir` provider may read
// the local Kafka folder instead of /opt/kafka (Kafka's DirectoryConfigProvider refuses a path that does not
// exist). ADVERTISED_HOSTNAME is 127.0.0.1 (the pod's script sets it).
import { execFileSync } from 'node:child_process';

export const STRIMZI_VERSION_READ = '1.2.0';

const FORBIDDEN_PREFIXES = ['group.id', 'config.storage.topic', 'offset.storage.topic', 'status.storage.topic', 'ssl.', 'sasl.', 'security.',
  'listeners', 'plugin.path', 'rest.', 'bootstrap.servers', 'consumer.interceptor.classes', 'producer.interceptor.classes', 'prometheus.metrics.reporter.'];
const FORBIDDEN_PREFIX_EXCEPTIONS = ['ssl.endpoint.identification.algorithm', 'ssl.cipher.suites', 'ssl.protocol', 'ssl.enabled.protocols'];
const CLIENT_PREFIXES = ['', 'producer.', 'consumer.', 'admin.'];

/** The name of the Secret the operator copies the trusted certificates into (KafkaConnectResources). */
export function trustedCertsSecretName(connectName) {
  return `${connectName}-connect-tls-trusted-certs`;
}

function secretPlaceholder(namespace, secret, key) {
  return `\${strimzisecrets:${namespace}/${secret}:${key}}`;
}

/**
 * The worker configuration the operator writes for a KafkaConnect, as [key, value] pairs in its order.
 * `local` gives the values that differ outside a pod: { restPort, pluginPath, kafkaHome }.
 */
export function connectWorkerConfig(kafkaConnect, local) {
  const { name, namespace } = kafkaConnect.metadata;
  const spec = kafkaConnect.spec;
  const lines = [];
  const put = (key, value) => lines.push([key, String(value)]);
  put('bootstrap.servers', spec.bootstrapServers);
  put('group.id', spec.groupId);
  put('config.storage.topic', spec.configStorageTopic);
  put('status.storage.topic', spec.statusStorageTopic);
  put('offset.storage.topic', spec.offsetStorageTopic);
  put('rest.advertised.host.name', '${strimzienv:ADVERTISED_HOSTNAME}');
  put('rest.advertised.port', local.restPort);
  put('listeners', `http://127.0.0.1:${local.restPort}`);
  put('plugin.path', local.pluginPath);

  let securityProtocol = 'PLAINTEXT';
  if (spec.tls) {
    securityProtocol = 'SSL';
    if (spec.tls.trustedCertificates?.length) {
      const certificates = secretPlaceholder(namespace, trustedCertsSecretName(name), 'ca.crt');
      for (const prefix of CLIENT_PREFIXES) {
        put(`${prefix}ssl.truststore.certificates`, certificates);
        put(`${prefix}ssl.truststore.type`, 'PEM');
      }
    }
  }
  const auth = spec.authentication;
  if (auth) {
    if (auth.type === 'tls' || auth.type === 'custom') throw new Error(`authentication type ${auth.type} is not mirrored here; tenant-cdc writes plain and scram-sha-512`);
    securityProtocol = securityProtocol === 'SSL' ? 'SASL_SSL' : 'SASL_PLAINTEXT';
    const mechanism = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' }[auth.type];
    const module = auth.type === 'plain' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    const password = secretPlaceholder(namespace, auth.passwordSecret.secretName, auth.passwordSecret.password);
    const jaas = `${module} required username="${auth.username}" password="${password}";`;
    for (const prefix of CLIENT_PREFIXES) {
      put(`${prefix}sasl.mechanism`, mechanism);
      put(`${prefix}sasl.jaas.config`, jaas);
    }
  }

  // the user's configuration behind the converter defaults (AbstractConfiguration), forbidden keys dropped
  // (the operator logs a warning): a prefix matches the key in lower case, an exception the key exactly
  const user = new Map([['key.converter', 'org.apache.kafka.connect.json.JsonConverter'], ['value.converter', 'org.apache.kafka.connect.json.JsonConverter']]);
  for (const [key, value] of Object.entries(spec.config ?? {})) {
    const forbidden = FORBIDDEN_PREFIXES.some((p) => key.toLowerCase().startsWith(p)) && !FORBIDDEN_PREFIX_EXCEPTIONS.includes(key);
    if (!forbidden) user.set(key, String(value));
  }
  const strimziProviders = 'strimzienv,strimzifile,strimzidir,strimzisecrets';
  put('config.providers', user.has('config.providers') ? `${user.get('config.providers')},${strimziProviders}` : strimziProviders);
  user.delete('config.providers');
  put('config.providers.strimzienv.class', 'org.apache.kafka.common.config.provider.EnvVarConfigProvider');
  put('config.providers.strimzienv.param.allowlist.pattern', '.*');
  put('config.providers.strimzifile.class', 'org.apache.kafka.common.config.provider.FileConfigProvider');
  put('config.providers.strimzidir.class', 'org.apache.kafka.common.config.provider.DirectoryConfigProvider');
  put('config.providers.strimzidir.param.allowed.paths', local.kafkaHome);
  put('config.providers.strimzisecrets.class', 'io.strimzi.kafka.KubernetesSecretConfigProvider');
  // the JMX exporter reads the JmxReporter's MBeans, which Strimzi adds to every client's reporters
  if (spec.metricsConfig?.type === 'jmxPrometheusExporter') {
    for (const key of ['metric.reporters', 'admin.metric.reporters', 'producer.metric.reporters', 'consumer.metric.reporters']) {
      const reporter = 'org.apache.kafka.common.metrics.JmxReporter';
      const mine = user.get(key);
      if (mine === undefined) put(key, reporter);
      else if (!mine.includes(reporter)) {
        put(key, `${mine},${reporter}`);
        user.delete(key);
      }
    }
  }
  for (const [key, value] of user) put(key, value);
  for (const prefix of CLIENT_PREFIXES) put(`${prefix}security.protocol`, securityProtocol);
  return lines;
}

/** The Secrets the operator's Role lets the Connect pods read (AuthenticationUtils.getAuthenticationSecretsToAccess). */
export function operatorSecretNames(kafkaConnect) {
  const spec = kafkaConnect.spec;
  const names = new Set();
  if (spec.tls?.trustedCertificates?.length) names.add(trustedCertsSecretName(kafkaConnect.metadata.name));
  if (spec.authentication?.passwordSecret) names.add(spec.authentication.passwordSecret.secretName);
  return [...names];
}

/**
 * Creates what the operator creates in the cluster for a KafkaConnect's placeholders: the trusted
 * certificates Secret (read from the Secrets spec.tls names) and the Role and RoleBinding of the Connect
 * ServiceAccount. `kubectl` and `kubeconfig` are an admin's, as the operator's own rights are.
 */
export function applyOperatorObjects(kafkaConnect, { kubectl, kubeconfig }) {
  const { name, namespace } = kafkaConnect.metadata;
  const run = (args, input) => execFileSync(kubectl, args, { input, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: kubeconfig } });
  const documents = [];
  const trusted = kafkaConnect.spec.tls?.trustedCertificates ?? [];
  if (trusted.length > 0) {
    const certificates = trusted.flatMap((source) => {
      const data = JSON.parse(run(['get', 'secret', source.secretName, '-n', namespace, '-o', 'json'])).data ?? {};
      const keys = source.certificate ? [source.certificate] : Object.keys(data).filter((k) => globMatches(source.pattern, k)).sort();
      return keys.map((key) => {
        if (data[key] === undefined) throw new Error(`Secret ${namespace}/${source.secretName} has no key ${key} (spec.tls.trustedCertificates)`);
        return Buffer.from(data[key], 'base64').toString('utf8');
      });
    });
    documents.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: trustedCertsSecretName(name), namespace },
      data: { 'ca.crt': Buffer.from(certificates.join('\n')).toString('base64') } });
  }
  const secrets = operatorSecretNames(kafkaConnect);
  if (secrets.length > 0) {
    const serviceAccount = `${name}-connect`;
    documents.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: serviceAccount, namespace },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: secrets }] });
    documents.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${serviceAccount}-connect-role`, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: serviceAccount },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }] });
  }
  if (documents.length > 0) {
    run(['apply', '--server-side', '--force-conflicts', '--field-manager=strimzi-cluster-operator', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: documents }));
  }
}

/** Strimzi's `pattern` of trusted certificates: a glob over the Secret's keys. */
function globMatches(pattern, key) {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(key);
}
