// The real test stack, as plain processes on 127.0.0.1 (no Docker here): a single-node KRaft Kafka
// broker shaped like a managed Kafka (SASL_SSL, ACLs; see kafka-security.mjs) and a distributed Kafka
// Connect worker configured as Strimzi runs it (see strimzi-operator.mjs), from Maven Central artifacts (fetched once into .cache/
// with Maven), the Debezium plugins resolved from the Maven coordinates a KafkaConnect's spec.build
// declares, and PostgreSQL from Debian's packages.
//
//   node scripts/stack.mjs kafka start [--port 19092] [--dir .cache/stack/kafka] [--security sasl_ssl|plaintext]
//                                            starts it, prints the brokers; <dir>/client.json has the CA and the super user
//   node scripts/stack.mjs kafka stop  [--dir ...]                                  stops it
//
// Tests, the demo and the benchmarks import the functions.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareBrokerSecurity } from './kafka-security.mjs';
import { applyOperatorObjects, connectWorkerConfig } from './strimzi-operator.mjs';

export const KAFKA_VERSION = '4.3.1';
/** Strimzi's KubernetesSecretConfigProvider, which Strimzi's Connect image has on the worker's classpath. */
export const CONFIG_PROVIDER_VERSION = '1.2.2';
/**
 * The Prometheus JMX exporter agent Strimzi runs in Connect pods when `metricsConfig` is set; 1.0.1 is the
 * newest release on Maven Central.
 */
export const JMX_EXPORTER_VERSION = '1.0.1';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache');

/**
 * Resolves Kafka (broker and Connect runtime) and Strimzi's Kubernetes config provider with Maven into
 * .cache/kafka-<version>/libs, once: one resolution, so Maven picks one version of what they share
 * (Jackson, SLF4J) as a Strimzi image has.
 */
export function fetchKafka() {
  const home = join(cache, `kafka-${KAFKA_VERSION}`);
  const libs = join(home, 'libs');
  const contents = `kafka ${KAFKA_VERSION}, kafka-kubernetes-config-provider ${CONFIG_PROVIDER_VERSION}`;
  if (existsSync(join(home, '.complete')) && readFileSync(join(home, '.complete'), 'utf8') === contents) return libs;
  mkdirSync(home, { recursive: true });
  const dependency = (g, a, v = KAFKA_VERSION) => `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  writeFileSync(join(home, 'pom.xml'), `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>tenant-cdc.test</groupId><artifactId>kafka-stack</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    ${dependency('org.apache.kafka', 'kafka_2.13')}
    ${dependency('org.apache.kafka', 'connect-runtime')}
    ${dependency('org.apache.logging.log4j', 'log4j-slf4j-impl', '2.25.4')}
    ${dependency('io.strimzi', 'kafka-kubernetes-config-provider', CONFIG_PROVIDER_VERSION)}
  </dependencies>
</project>
`);
  rmSync(libs, { recursive: true, force: true });
  execFileSync('mvn', ['-q', '-B', '-f', join(home, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'], { stdio: 'inherit' });
  writeFileSync(join(home, 'log4j2.properties'), [
    'status = warn',
    'appender.file.type = File', 'appender.file.name = file', 'appender.file.fileName = ${sys:stack.log.file}',
    'appender.file.layout.type = PatternLayout', 'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO', 'rootLogger.appenderRef.file.ref = file',
    'logger.kafka.name = kafka', 'logger.kafka.level = WARN',
    'logger.state.name = state.change.logger', 'logger.state.level = WARN',
    'logger.kafkaorg.name = org.apache.kafka', 'logger.kafkaorg.level = WARN',
    '',
  ].join('\n'));
  writeFileSync(join(home, '.complete'), contents);
  return libs;
}

/** The JMX exporter's java agent jar (io.prometheus.jmx:jmx_prometheus_javaagent), resolved with Maven once. */
export function fetchJmxExporter() {
  const home = join(cache, `jmx-exporter-${JMX_EXPORTER_VERSION}`);
  const jar = join(home, `jmx_prometheus_javaagent-${JMX_EXPORTER_VERSION}.jar`);
  if (existsSync(jar)) return jar;
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'pom.xml'), `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>tenant-cdc.test</groupId><artifactId>jmx-exporter</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies><dependency><groupId>io.prometheus.jmx</groupId><artifactId>jmx_prometheus_javaagent</artifactId><version>${JMX_EXPORTER_VERSION}</version></dependency></dependencies>
</project>
`);
  execFileSync('mvn', ['-q', '-B', '-f', join(home, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${home}`, '-DexcludeTransitive=true'], { stdio: 'inherit' });
  return jar;
}

/** The java command line for a Kafka main class with the fetched jars; `jvmOptions` (e.g. -javaagent) go before the class path. */
export function javaArgs(mainClass, args, logFile, heap = '512m', jvmOptions = [], extraClasspath = []) {
  const home = join(cache, `kafka-${KAFKA_VERSION}`);
  const classpath = [...readdirSync(join(home, 'libs')).map((jar) => join(home, 'libs', jar)), ...extraClasspath].join(':');
  return [`-Xmx${heap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${join(home, 'log4j2.properties')}`,
    `-Dstack.log.file=${logFile}`, ...jvmOptions, '-cp', classpath, mainClass, ...args];
}

export function waitForPort(port, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolvePromise, reject) => {
    const attempt = () => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => { socket.destroy(); resolvePromise(); });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

export function isAlive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/**
 * A KRaft cluster id as Kafka's own Uuid.randomUuid() makes them: 16 random bytes in base64url, never
 * starting with '-' (about 1 in 64 would, and kafka-storage reads such an id as an option).
 */
export function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Starts (or restarts, keeping its data, users and certificates) a single-node KRaft broker on 127.0.0.1:port.
 * By default it is shaped like a managed Kafka (scripts/kafka-security.mjs): SASL_SSL with a CA made at run
 * time, ACLs that deny what they do not allow, no topic created on first use. `security: 'plaintext'` is an
 * open broker, for a test or benchmark that is about something else and says so.
 * Returns { brokers, port, dir, pid, info }: `info` is what clients need (kafka-security.mjs reads it).
 */
export async function startKafka({ port = 19092, dir = join(cache, 'stack', 'kafka'), clusterId = newClusterId(), security = 'sasl_ssl' } = {}) {
  const libs = fetchKafka();
  dir = resolve(dir);
  const pidFile = join(dir, 'broker.pid');
  if (existsSync(pidFile) && isAlive(Number(readFileSync(pidFile, 'utf8')))) {
    throw new Error(`a broker from ${dir} already runs (pid ${readFileSync(pidFile, 'utf8')}); stop it first`);
  }
  if (!['sasl_ssl', 'plaintext'].includes(security)) throw new Error(`security ${JSON.stringify(security)}: use sasl_ssl or plaintext`);
  const controllerPort = port + 1;
  const properties = join(dir, 'server.properties');
  const data = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  let listeners = [
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name=PLAINTEXT', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
  ];
  let info = { brokers: `127.0.0.1:${port}`, security: 'plaintext', dir };
  let classpath = [];
  if (security === 'sasl_ssl') {
    const prepared = prepareBrokerSecurity({ dir, libs, port, controllerPort });
    ({ info, classpath } = prepared);
    listeners = prepared.properties;
  } else {
    writeFileSync(join(dir, 'client.json'), `${JSON.stringify(info, null, 2)}\n`);
  }
  writeFileSync(properties, [
    'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    ...listeners, 'controller.listener.names=CONTROLLER',
    `log.dirs=${data}`, 'num.partitions=1', 'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1', 'offsets.topic.num.partitions=10', 'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10', 'group.initial.rebalance.delay.ms=0', 'share.coordinator.state.topic.replication.factor=1',
    '',
  ].join('\n'), { mode: 0o600 });
  // it names the users file and the keystore: only the owner reads it, also when the folder is reused
  chmodSync(properties, 0o600);
  if (!existsSync(join(data, 'meta.properties'))) {
    // --cluster-id=<id> in one argument: an id given by the caller may still start with '-'
    execFileSync('java', javaArgs('kafka.tools.StorageTool', ['format', `--cluster-id=${clusterId}`, '-c', properties], join(dir, 'format.log'), '256m', [], classpath), { stdio: 'pipe' });
  }
  const out = openSync(join(dir, 'broker.out'), 'a');
  const child = spawn('java', javaArgs('kafka.Kafka', [properties], join(dir, 'broker.log'), '512m', [], classpath), { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  await waitForPort(port);
  return { brokers: info.brokers, port, dir, pid: child.pid, info };
}

/** Stops the broker of `dir`: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopKafka({ dir = join(cache, 'stack', 'kafka'), graceMs = 20_000 } = {}) {
  await stopPidFile(join(resolve(dir), 'broker.pid'), graceMs);
}

/**
 * Resolves the plugins of a KafkaConnect `spec.build` the way Strimzi's build does: every `maven` artifact
 * with its runtime dependencies, into `<plugin.path>/<plugin name>/`. Returns the plugin.path. Cached.
 */
export function fetchPlugins(build) {
  const key = build.plugins.map((p) => `${p.name}:${p.artifacts.map((a) => `${a.group}:${a.artifact}:${a.version}`).join('+')}`).sort().join(',');
  // the whole key, versions included: a folder name cut from its start held only the first plugin's name,
  // so a cluster on another Debezium version ran the plugins fetched for the first one
  const pluginPath = join(cache, 'connect-plugins', createHash('sha256').update(key).digest('hex').slice(0, 32));
  for (const plugin of build.plugins) {
    const target = join(pluginPath, plugin.name);
    if (existsSync(join(target, '.complete'))) continue;
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    for (const artifact of plugin.artifacts) {
      if (artifact.type !== 'maven') throw new Error(`plugin ${plugin.name}: only maven artifacts are resolved here, got ${artifact.type}`);
      const pom = join(target, `${artifact.artifact}.pom.xml`);
      writeFileSync(pom, `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>tenant-cdc.test</groupId><artifactId>${plugin.name}</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies><dependency><groupId>${artifact.group}</groupId><artifactId>${artifact.artifact}</artifactId><version>${artifact.version}</version></dependency></dependencies>
</project>
`);
      execFileSync('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${target}`, '-DincludeScope=runtime'], { stdio: 'inherit' });
      rmSync(pom);
    }
    writeFileSync(join(target, '.complete'), new Date().toISOString());
  }
  return pluginPath;
}

/**
 * Starts a distributed Connect worker from a synthesized KafkaConnect the way a Strimzi pod runs it: the
 * configuration is what the operator writes for it (scripts/strimzi-operator.mjs: SASL and TLS from
 * spec.authentication and spec.tls with their producer./consumer./admin. copies, the operator's config
 * providers, spec.config), and with `kubernetes.kubectl` the operator's Secret, Role and RoleBinding are
 * created too. `${secrets:...}` and `${strimzisecrets:...}` placeholders resolve through Strimzi's
 * KubernetesSecretConfigProvider against `kubernetes`: the API server, its CA and a ServiceAccount token
 * file, given to it as a pod's environment and mounted token would be. `heap` is the JVM's -Xmx;
 * `jvmOptions` are more JVM flags (e.g. GC logging, or the truststore of a broker whose CA stands in for a
 * public one). With `metrics: { port, config }` the worker runs the Prometheus JMX exporter agent as a
 * Strimzi pod does (`config`: the text of the KafkaConnect's metrics ConfigMap), serving /metrics on
 * 127.0.0.1:port. Returns { url, pid, dir, metricsUrl }.
 */
export async function startConnect({ kafkaConnect, restPort, dir, kubernetes, heap = '1g', jvmOptions = [], metrics }) {
  const kafkaHome = dirname(fetchKafka());
  const pluginPath = fetchPlugins(kafkaConnect.spec.build);
  mkdirSync(dir, { recursive: true });
  if (kubernetes.kubectl) applyOperatorObjects(kafkaConnect, kubernetes);
  const properties = join(dir, 'worker.properties');
  writeFileSync(properties, connectWorkerConfig(kafkaConnect, { restPort, pluginPath, kafkaHome }).map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}`).join('\n') + '\n', { mode: 0o600 });
  const out = openSync(join(dir, 'worker.out'), 'a');
  const api = new URL(kubernetes.server);
  // the in-cluster settings of the fabric8 client inside the provider, as in a pod; never a kubeconfig
  const podEnv = {
    KUBERNETES_SERVICE_HOST: api.hostname, KUBERNETES_SERVICE_PORT: api.port,
    KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN: kubernetes.tokenFile, KUBERNETES_CERTS_CA_FILE: kubernetes.caFile,
    KUBERNETES_AUTH_TRYKUBECONFIG: 'false',
    // what Strimzi's kafka_connect_run.sh exports for rest.advertised.host.name
    ADVERTISED_HOSTNAME: '127.0.0.1',
  };
  // Strimzi's image passes spec.jvmOptions.javaSystemProperties to the JVM as -D flags (STRIMZI_JAVA_SYSTEM_PROPERTIES)
  const systemProperties = (kafkaConnect.spec.jvmOptions?.javaSystemProperties ?? []).map(({ name, value }) => `-D${name}=${value}`);
  const agents = [];
  if (metrics) {
    const metricsConfig = join(dir, 'metrics-config.yml');
    writeFileSync(metricsConfig, metrics.config);
    agents.push(`-javaagent:${fetchJmxExporter()}=127.0.0.1:${metrics.port}:${metricsConfig}`);
  }
  const child = spawn('java', javaArgs('org.apache.kafka.connect.cli.ConnectDistributed', [properties], join(dir, 'worker.log'), heap, [...systemProperties, ...jvmOptions, ...agents]),
    { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...(process.env.JAVA_HOME && { JAVA_HOME: process.env.JAVA_HOME }), ...podEnv },
      detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(join(dir, 'worker.pid'), String(child.pid));
  const url = `http://127.0.0.1:${restPort}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/connectors`)).ok) break;
    } catch { /* not up yet */ }
    if (!isAlive(child.pid)) throw new Error(`the Connect worker exited; see ${join(dir, 'worker.out')}`);
    if (Date.now() > deadline) throw new Error(`the Connect worker did not answer on ${url}; see ${join(dir, 'worker.out')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, pid: child.pid, dir, ...(metrics && { metricsUrl: `http://127.0.0.1:${metrics.port}/metrics` }) };
}

/** Stops a Connect worker gracefully (it commits source offsets on the way out). */
export async function stopConnect({ dir, graceMs = 30_000 }) {
  await stopPidFile(join(dir, 'worker.pid'), graceMs);
}

/** Stops the process of a pid file: SIGTERM, then SIGKILL after `graceMs`; removes the pid file. */
export async function stopPidFile(pidFile, graceMs) {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * Starts PostgreSQL (Debian's package) on 127.0.0.1:port with wal_level=logical, as the postgres user
 * (the server refuses to run as root). Host connections need a password (scram-sha-256). Every Debezium
 * PostgreSQL connector holds a replication slot, a WAL sender and two JDBC sessions: a fleet raises the limits.
 * Returns { host, port, dir, psql(sql, database) }.
 */
export async function startPostgres({ port, dir, maxReplicationSlots = 40, maxWalSenders = 40, maxConnections = 100 }) {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'postgresql'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const asPostgres = (command, args, options = {}) => execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8', ...options });
  mkdirSync(dir, { recursive: true });
  // the postgres user must be able to reach the folder (a mkdtemp parent is root-only)
  execFileSync('chmod', ['o+x', dirname(resolve(dir))]);
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  execFileSync('chmod', ['755', dir]);
  const data = join(dir, 'data');
  if (!existsSync(join(data, 'PG_VERSION'))) {
    asPostgres(join(PG_BIN, 'initdb'), ['-D', data, '--auth-local=trust', '--auth-host=scram-sha-256', '-U', 'postgres'], { stdio: 'pipe' });
  }
  const log = join(dir, 'postgres.log');
  try {
    asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-l', log, '-w', '-t', '60', 'start', '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c wal_level=logical `
      + `-c max_replication_slots=${maxReplicationSlots} -c max_wal_senders=${maxWalSenders} -c max_connections=${maxConnections}`], { stdio: 'pipe' });
  } catch (error) {
    // pg_ctl only says "Examine the log output": the reason is in the server's log
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '(no log written)';
    throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}: ${error.message}\n${log}:\n${tail}`);
  }
  // the statements on stdin, not the command line, where any local user could read the passwords they set
  const psql = (sql, database = 'postgres') => asPostgres('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt', '-f', '-'],
    { input: sql });
  return { host: '127.0.0.1', port, dir, psql };
}

export async function stopPostgres({ dir }) {
  execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop'], { stdio: 'pipe' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [service, action, ...rest] = process.argv.slice(2);
  const option = (name) => { const i = rest.indexOf(`--${name}`); return i >= 0 ? rest[i + 1] : undefined; };
  if (service !== 'kafka' || !['start', 'stop', 'fetch'].includes(action)) {
    console.error('usage: node scripts/stack.mjs kafka start|stop|fetch [--port N] [--dir DIR] [--security sasl_ssl|plaintext]');
    process.exit(2);
  }
  const dir = option('dir');
  // no top-level await: the tests and benchmarks load this file with require()
  const run = async () => {
    if (action === 'fetch') console.log(fetchKafka());
    else if (action === 'start') {
      const started = await startKafka({ port: Number(option('port') ?? 19092), ...(dir && { dir }), ...(option('security') && { security: option('security') }) });
      console.log(started.brokers);
    }
    else await stopKafka({ ...(dir && { dir }) });
  };
  run().catch((error) => { console.error(error.message); process.exit(1); });
}
