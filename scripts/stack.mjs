// The real test stack, as plain Java processes from Maven Central artifacts (no Docker here):
// a single-node KRaft Kafka broker on 127.0.0.1. Fetched once into .cache/ with Maven, then cached.
//
//   node scripts/stack.mjs kafka start [--port 19092] [--dir .cache/stack/kafka]   starts it, prints the brokers
//   node scripts/stack.mjs kafka stop  [--dir ...]                                  stops it
//
// Tests import startKafka()/stopKafka() from here.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KAFKA_VERSION = '4.3.1';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache');

/** Resolves Kafka (broker and Connect runtime) with Maven into .cache/kafka-<version>/libs, once. */
export function fetchKafka() {
  const home = join(cache, `kafka-${KAFKA_VERSION}`);
  const libs = join(home, 'libs');
  if (existsSync(join(home, '.complete'))) return libs;
  mkdirSync(home, { recursive: true });
  const dependency = (g, a, v = KAFKA_VERSION) => `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  writeFileSync(join(home, 'pom.xml'), `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>tenant-cdc.test</groupId><artifactId>kafka-stack</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    ${dependency('org.apache.kafka', 'kafka_2.13')}
    ${dependency('org.apache.kafka', 'connect-runtime')}
    ${dependency('org.apache.logging.log4j', 'log4j-slf4j-impl', '2.25.4')}
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
  writeFileSync(join(home, '.complete'), new Date().toISOString());
  return libs;
}

/** The java command line for a Kafka main class with the fetched jars. */
export function javaArgs(mainClass, args, logFile, heap = '512m') {
  const home = join(cache, `kafka-${KAFKA_VERSION}`);
  const classpath = readdirSync(join(home, 'libs')).map((jar) => join(home, 'libs', jar)).join(':');
  return [`-Xmx${heap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${join(home, 'log4j2.properties')}`,
    `-Dstack.log.file=${logFile}`, '-cp', classpath, mainClass, ...args];
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

function isAlive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/**
 * Starts (or restarts, keeping its data) a single-node KRaft broker on 127.0.0.1:port.
 * Returns { brokers, port, dir, pid }.
 */
export async function startKafka({ port = 19092, dir = join(cache, 'stack', 'kafka') } = {}) {
  fetchKafka();
  dir = resolve(dir);
  const pidFile = join(dir, 'broker.pid');
  if (existsSync(pidFile) && isAlive(Number(readFileSync(pidFile, 'utf8')))) {
    throw new Error(`a broker from ${dir} already runs (pid ${readFileSync(pidFile, 'utf8')}); stop it first`);
  }
  const controllerPort = port + 1;
  const properties = join(dir, 'server.properties');
  const data = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  writeFileSync(properties, [
    'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER', 'inter.broker.listener.name=PLAINTEXT', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${data}`, 'num.partitions=1', 'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1', 'offsets.topic.num.partitions=10', 'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10', 'group.initial.rebalance.delay.ms=0', 'share.coordinator.state.topic.replication.factor=1',
    '',
  ].join('\n'));
  if (!existsSync(join(data, 'meta.properties'))) {
    const clusterId = randomBytes(16).toString('base64url');
    execFileSync('java', javaArgs('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', properties], join(dir, 'format.log'), '256m'), { stdio: 'pipe' });
  }
  const out = openSync(join(dir, 'broker.out'), 'a');
  const child = spawn('java', javaArgs('kafka.Kafka', [properties], join(dir, 'broker.log')), { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  await waitForPort(port);
  return { brokers: `127.0.0.1:${port}`, port, dir, pid: child.pid };
}

/** Stops the broker of `dir`: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopKafka({ dir = join(cache, 'stack', 'kafka'), graceMs = 20_000 } = {}) {
  const pidFile = join(resolve(dir), 'broker.pid');
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [service, action, ...rest] = process.argv.slice(2);
  const option = (name) => { const i = rest.indexOf(`--${name}`); return i >= 0 ? rest[i + 1] : undefined; };
  if (service !== 'kafka' || !['start', 'stop', 'fetch'].includes(action)) {
    console.error('usage: node scripts/stack.mjs kafka start|stop|fetch [--port N] [--dir DIR]');
    process.exit(2);
  }
  const dir = option('dir');
  if (action === 'fetch') console.log(fetchKafka());
  else if (action === 'start') console.log((await startKafka({ port: Number(option('port') ?? 19092), ...(dir && { dir }) })).brokers);
  else await stopKafka({ ...(dir && { dir }) });
}
