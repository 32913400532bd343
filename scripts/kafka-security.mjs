// The test broker's security, shaped like a managed Kafka (Confluent Cloud): a SASL_SSL listener with TLS
// from a CA made at run time, SASL/PLAIN users that can be added while it runs (API keys) and SCRAM-SHA-512
// users (KafkaUsers of a Strimzi-managed Kafka), KRaft's StandardAuthorizer denying what no ACL allows,
// and a super user for a test's own setup only. Every password is made up at run time.
//
// Tests, the demo and the benchmarks get a broker's connection details from startKafka (scripts/stack.mjs),
// which calls prepareBrokerSecurity; the rest of this file is what a client of such a broker needs.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The principal a test's own setup uses (creating topics, ACLs, users); never a client under test. */
export const SUPER_USER = 'admin';
/** The broker's own principal, for its inter-broker and controller connections. */
const BROKER_USER = 'broker';

/** A password made up now: nothing the tests use is ever committed. */
export function madeUpSecret() {
  return `pw-${randomBytes(18).toString('base64url')}`;
}

/**
 * A CA and a certificate for 127.0.0.1 signed by it, made with openssl into `folder`, once. Kafka reads the
 * key and chain as a PEM keystore; clients trust `ca.crt`.
 */
function makeCertificates(folder) {
  const caFile = join(folder, 'ca.crt');
  const keystoreFile = join(folder, 'broker-keystore.pem');
  if (existsSync(caFile) && existsSync(keystoreFile)) return { caFile, keystoreFile };
  mkdirSync(folder, { recursive: true });
  const openssl = (args) => execFileSync('openssl', args, { cwd: folder, stdio: 'pipe' });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '7', '-subj', '/CN=tenant-cdc test CA']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(folder, 'broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl(['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.crt', '-days', '7', '-extfile', 'broker.ext']);
  // key (PKCS#8, unencrypted) then the chain: Kafka's PEM keystore format
  writeFileSync(keystoreFile, readFileSync(join(folder, 'broker.key'), 'utf8') + readFileSync(join(folder, 'broker.crt'), 'utf8') + readFileSync(caFile, 'utf8'));
  for (const file of ['ca.key', 'broker.key', 'broker-keystore.pem']) chmodSync(join(folder, file), 0o600);
  // the CA as a JVM truststore, for a Java process that should trust it as it trusts a public CA (see
  // jvmTrustOptions); its password, made up too, guards nothing secret (the CA's certificate only)
  const truststorePassword = madeUpSecret();
  writeFileSync(join(folder, 'truststore.password'), truststorePassword, { mode: 0o600 });
  execFileSync('keytool', ['-importcert', '-noprompt', '-alias', 'tenant-cdc-test-ca', '-file', caFile, '-keystore', join(folder, 'truststore.p12'),
    '-storetype', 'PKCS12', '-storepass:file', join(folder, 'truststore.password')], { stdio: 'pipe' });
  return { caFile, keystoreFile };
}

/**
 * JVM options that make a Java process trust the broker's CA as its default truststore, the way a JVM
 * trusts Confluent Cloud's public CA: for a KafkaConnect with `tls.trustedCertificates: []`, whose workers
 * and connector clients get no truststore settings at all.
 */
export function jvmTrustOptions(info) {
  if (info.security !== 'sasl_ssl') return [];
  const folder = join(info.dir, 'security');
  return [`-Djavax.net.ssl.trustStore=${join(folder, 'truststore.p12')}`, '-Djavax.net.ssl.trustStoreType=PKCS12',
    `-Djavax.net.ssl.trustStorePassword=${readFileSync(join(folder, 'truststore.password'), 'utf8')}`];
}

/** The PLAIN users handler (scripts/kafka/PlainUsersFile.java), compiled against kafka-clients once. */
function plainUsersHandler(libs) {
  const source = join(root, 'scripts', 'kafka', 'PlainUsersFile.java');
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const classes = join(dirname(libs), `plain-users-${hash}`);
  if (existsSync(join(classes, 'tenantcdc', 'stack', 'PlainUsersFile.class'))) return classes;
  const clients = readdirSync(libs).find((jar) => /^kafka-clients-.*\.jar$/.test(jar));
  const partial = `${classes}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  execFileSync('javac', ['-cp', join(libs, clients), '-d', partial, source], { stdio: 'pipe' });
  renameSync(partial, classes);
  return classes;
}

/**
 * Makes (or, for a broker restarted on its folder, reads back) what a SASL_SSL broker in `dir` needs: its
 * certificates, the users file with the super user and the broker's own principal, and `client.json`,
 * the connection details tests and the demo read. Returns { info, properties, classpath }.
 */
export function prepareBrokerSecurity({ dir, libs, port, controllerPort }) {
  const folder = join(dir, 'security');
  const infoFile = join(dir, 'client.json');
  const { caFile, keystoreFile } = makeCertificates(folder);
  const usersFile = join(folder, 'plain-users.properties');
  let info;
  if (existsSync(infoFile)) {
    info = { ...JSON.parse(readFileSync(infoFile, 'utf8')), brokers: `127.0.0.1:${port}` };
  } else {
    info = {
      brokers: `127.0.0.1:${port}`, security: 'sasl_ssl', caFile, usersFile, dir,
      superUser: { mechanism: 'plain', username: SUPER_USER, password: madeUpSecret() },
      brokerUser: { username: BROKER_USER, password: madeUpSecret() },
    };
    writeFileSync(usersFile, '');
    chmodSync(usersFile, 0o600);
    for (const user of [info.superUser, info.brokerUser]) appendFileSync(usersFile, `${user.username}=${user.password}\n`);
  }
  writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  const jaas = (module, extra = '') => `${module} required username="${BROKER_USER}" password="${info.brokerUser.password}"${extra};`;
  const plain = 'org.apache.kafka.common.security.plain.PlainLoginModule';
  const handler = 'tenantcdc.stack.PlainUsersFile';
  const properties = [
    `listeners=SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${port}`,
    'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT',
    'inter.broker.listener.name=SASL_SSL',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=PLAIN',
    'sasl.mechanism.controller.protocol=PLAIN',
    // PLAIN users come from the users file (added while the broker runs); SCRAM users from the metadata log
    `listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas(plain, ` usersFile="${usersFile}"`)}`,
    `listener.name.sasl_ssl.plain.sasl.server.callback.handler.class=${handler}`,
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas('org.apache.kafka.common.security.scram.ScramLoginModule')}`,
    `listener.name.controller.sasl.enabled.mechanisms=PLAIN`,
    `listener.name.controller.plain.sasl.jaas.config=${jaas(plain, ` usersFile="${usersFile}"`)}`,
    `listener.name.controller.plain.sasl.server.callback.handler.class=${handler}`,
    'ssl.keystore.type=PEM', `ssl.keystore.location=${keystoreFile}`,
    'ssl.truststore.type=PEM', `ssl.truststore.location=${caFile}`,
    'ssl.client.auth=none',
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=User:${SUPER_USER};User:${BROKER_USER}`,
  ];
  return { info, properties, classpath: [plainUsersHandler(libs)] };
}

/** The connection details of the broker started in `dir` (its client.json). */
export function readKafkaInfo(dir) {
  return JSON.parse(readFileSync(join(dir, 'client.json'), 'utf8'));
}

/**
 * Adds a SASL user to a running broker, or changes its password: PLAIN at once (the users file is read at
 * every login); with `scram`, also SCRAM-SHA-512 credentials, through Kafka's own kafka-configs tool as the
 * super user.
 */
export function addKafkaUser(info, { username, password: secret, scram = false }) {
  if (info.security !== 'sasl_ssl') throw new Error('a PLAINTEXT broker has no users');
  if (!/^[A-Za-z0-9._-]+$/.test(username)) throw new Error(`user name ${JSON.stringify(username)}: use letters, digits, '.', '_' and '-'`);
  const users = readFileSync(info.usersFile, 'utf8').split('\n').filter((line) => line && !line.startsWith(`${username}=`));
  // written whole and renamed, so a login never reads half a file
  const partial = `${info.usersFile}.${process.pid}`;
  writeFileSync(partial, [...users, `${username}=${secret}`, ''].join('\n'), { mode: 0o600 });
  renameSync(partial, info.usersFile);
  if (scram) {
    // the super user's settings and the new password in files only the owner reads, never on a command line
    const commandConfig = join(info.dir, 'security', `admin-${process.pid}.properties`);
    const addConfig = join(info.dir, 'security', `scram-${process.pid}.properties`);
    writeFileSync(commandConfig, propertiesText(javaClientProperties(info)), { mode: 0o600 });
    writeFileSync(addConfig, `SCRAM-SHA-512=iterations=4096,password=${secret}\n`, { mode: 0o600 });
    try {
      runKafkaTool('kafka.admin.ConfigCommand', ['--bootstrap-server', info.brokers, '--command-config', commandConfig, '--alter',
        '--add-config-file', addConfig, '--entity-type', 'users', '--entity-name', username]);
    } finally {
      rmSync(commandConfig, { force: true });
      rmSync(addConfig, { force: true });
    }
  }
}

/** Runs a Kafka command-line tool's main class with the fetched jars. */
function runKafkaTool(mainClass, args) {
  const libs = readdirSync(join(root, '.cache')).filter((d) => d.startsWith('kafka-')).map((d) => join(root, '.cache', d, 'libs')).find((d) => existsSync(d));
  const classpath = readdirSync(libs).map((jar) => join(libs, jar)).join(':');
  execFileSync('java', ['-Xmx256m', '-cp', classpath, `-Dlog4j2.configurationFile=${join(dirname(libs), 'log4j2.properties')}`,
    `-Dstack.log.file=${join(dirname(libs), 'tools.log')}`, mainClass, ...args], { stdio: 'pipe' });
}

/** A Java client's security settings for a user of the broker (the super user by default), as Strimzi would write them. */
export function javaClientProperties(info, user = info.superUser) {
  if (info.security !== 'sasl_ssl') return { 'bootstrap.servers': info.brokers };
  const mechanism = (user.mechanism ?? 'plain') === 'plain' ? 'PLAIN' : 'SCRAM-SHA-512';
  const module = mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  return {
    'bootstrap.servers': info.brokers,
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': mechanism,
    'sasl.jaas.config': `${module} required username="${user.username}" password="${user.password}";`,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': info.caFile,
  };
}

export function propertiesText(properties) {
  // backslashes are escapes in a properties file
  return Object.entries(properties).map(([k, v]) => `${k}=${String(v).replace(/\\/g, '\\\\')}`).join('\n') + '\n';
}

/** kafkajs client settings for a user of the broker (the super user by default). */
export function kafkajsSettings(info, user = info.superUser) {
  const brokers = info.brokers.split(',');
  if (info.security !== 'sasl_ssl') return { brokers };
  return { brokers, ssl: { ca: [readFileSync(info.caFile, 'utf8')] }, sasl: { mechanism: user.mechanism ?? 'plain', username: user.username, password: user.password } };
}

/**
 * The environment of a processor logging in as `user`, as the EventProcessor construct writes it (contract 2's
 * names, src/processor/env.ts), with the CA where a pod would have it mounted (NODE_EXTRA_CA_CERTS).
 */
export function processorKafkaEnv(info, user) {
  if (info.security !== 'sasl_ssl') return { KAFKA_BROKERS: info.brokers };
  return {
    KAFKA_BROKERS: info.brokers, NODE_EXTRA_CA_CERTS: info.caFile,
    KAFKA_SASL_MECHANISM: user.mechanism ?? 'plain', KAFKA_SASL_USERNAME: user.username, KAFKA_SASL_PASSWORD: user.password,
  };
}

const ACL_RESOURCE_TYPES = { topic: 2, group: 3, cluster: 4, 'transactional-id': 5 };
const ACL_OPERATIONS = { read: 3, write: 4, create: 5, describe: 8, 'describe-configs': 10, 'idempotent-write': 12 };
const ACL_PATTERNS = { literal: 3, prefixed: 4 };
const ALLOW = 3;

/** tenant-cdc's grants (src/acls) as the broker's ACL bindings of a principal, for kafkajs's admin. */
function aclBindings(principal, grants) {
  return grants.flatMap(({ resource, operations }) => operations.map((operation) => ({
    resourceType: ACL_RESOURCE_TYPES[resource.type],
    resourceName: resource.type === 'cluster' ? 'kafka-cluster' : resource.name,
    resourcePatternType: ACL_PATTERNS[resource.pattern],
    principal, host: '*', operation: ACL_OPERATIONS[operation], permissionType: ALLOW,
  })));
}

/** Creates (or, with `remove`, deletes) the ACLs of a principal on the broker, as the super user. */
export async function applyAcls(admin, principal, grants, { remove = false } = {}) {
  const bindings = aclBindings(principal, grants);
  if (bindings.length === 0) return;
  if (remove) await admin.deleteAcls({ filters: bindings });
  else await admin.createAcls({ acl: bindings });
}
