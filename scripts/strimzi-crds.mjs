// The Strimzi 1.2.0 CRDs (API kafka.strimzi.io/v1), made the way Strimzi makes its released files: with
// Strimzi's own CRD generator, io.strimzi:crd-generator, over the model classes of io.strimzi:api, both
// from Maven Central. The output is byte for byte the release's install/cluster-operator/04x-Crd-*.yaml.
// `npm run import` and the tests use them; nothing here needs a copy of the CRDs beside the repository.
//
//   node scripts/strimzi-crds.mjs      prints the folder holding the CRD files (generating them once)
//
// Needs Maven, and a JDK 21 or newer for the generator (its classes are class file 65): JAVA_HOME if it
// is one, else the newest under /usr/lib/jvm. STRIMZI_CRDS_DIR, when set, names a folder to use instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedFolder } from './cached-folder.mjs';

export const STRIMZI_VERSION = '1.2.0';
const MIN_JAVA = 21;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const home = join(root, '.cache', `strimzi-${STRIMZI_VERSION}`);

// crd-generator is a shaded jar (fabric8, Jackson, snakeyaml inside): these two jars are the whole
// classpath. Their SHA-256 on Maven Central, so a tampered or truncated download is caught.
const JARS = {
  api: '566961ae5e5646a001ae91312beda5cba3a5d467e740e205e1b761754335fe4e',
  'crd-generator': '76bb2430e702a1e6a24c071d26c865d5e9572cbc630d176d3b912033ae23ed00',
};

/** Released file name to model class, as in Strimzi's api/pom.xml at tag 1.2.0. */
export const CRDS = {
  '040-Crd-kafka.yaml': 'io.strimzi.api.kafka.model.kafka.Kafka',
  '041-Crd-kafkaconnect.yaml': 'io.strimzi.api.kafka.model.connect.KafkaConnect',
  '042-Crd-strimzipodset.yaml': 'io.strimzi.api.kafka.model.podset.StrimziPodSet',
  '043-Crd-kafkatopic.yaml': 'io.strimzi.api.kafka.model.topic.KafkaTopic',
  '044-Crd-kafkauser.yaml': 'io.strimzi.api.kafka.model.user.KafkaUser',
  '045-Crd-kafkanodepool.yaml': 'io.strimzi.api.kafka.model.nodepool.KafkaNodePool',
  '046-Crd-kafkabridge.yaml': 'io.strimzi.api.kafka.model.bridge.KafkaBridge',
  '047-Crd-kafkaconnector.yaml': 'io.strimzi.api.kafka.model.connector.KafkaConnector',
  '048-Crd-kafkamirrormaker2.yaml': 'io.strimzi.api.kafka.model.mirrormaker2.KafkaMirrorMaker2',
  '049-Crd-kafkarebalance.yaml': 'io.strimzi.api.kafka.model.rebalance.KafkaRebalance',
};

// the flags of Strimzi's own generate-crd execution (one set for all ten)
const GENERATOR_FLAGS = ['--label', 'app:strimzi', '--label', 'strimzi.io/crd-install:true', '--target-kube', '1.16+',
  '--crd-api-version', 'v1', '--api-versions', 'v1', '--storage-version', 'v1'];

/** The major version of a `java` binary, or undefined when it does not run. */
function javaMajor(java) {
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (result.status !== 0 || !match) return undefined;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/** A `java` of version 21 or newer: JAVA_HOME's, else the newest under /usr/lib/jvm. Throws saying what to install. */
export function findJava(env = process.env, jvmDir = '/usr/lib/jvm') {
  const checked = [];
  const candidate = (javaHome) => {
    const java = join(javaHome, 'bin', 'java');
    const major = existsSync(java) ? javaMajor(java) : undefined;
    checked.push(`${javaHome} (${major ?? 'no java'})`);
    return major !== undefined && major >= MIN_JAVA ? { java, major } : undefined;
  };
  if (env.JAVA_HOME) {
    const found = candidate(env.JAVA_HOME);
    if (found) return found.java;
  }
  const seen = new Set();
  const found = [];
  for (const name of existsSync(jvmDir) ? readdirSync(jvmDir).sort() : []) {
    const real = realpathSync(join(jvmDir, name));
    if (seen.has(real)) continue;
    seen.add(real);
    const java = candidate(real);
    if (java) found.push(java);
  }
  if (found.length > 0) return found.sort((a, b) => b.major - a.major)[0].java;
  throw new Error(`Strimzi ${STRIMZI_VERSION}'s CRD generator needs Java ${MIN_JAVA} or newer (its classes are class file 65), `
    + `and none was found. Install a JDK ${MIN_JAVA}+ (for example Eclipse Temurin 21 or 25) and set JAVA_HOME to it, or put it `
    + `under ${jvmDir}. Checked: ${checked.join(', ') || 'nothing'}.`);
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Resolves the two jars with Maven into .cache/strimzi-<version>/lib, once, checking their SHA-256. */
function fetchGenerator() {
  const jarsIn = (libs) => Object.keys(JARS).map((artifact) => join(libs, `${artifact}-${STRIMZI_VERSION}.jar`));
  return jarsIn(cachedFolder(join(home, 'lib'), (libs) => {
    const pom = join(home, 'pom.xml');
    // dependency:copy takes exactly these artifacts (no transitive copies beside the shaded jar); the plugin
    // version is pinned because Maven 3.8's default, 2.8, predates what this needs
    writeFileSync(pom, `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>tenant-cdc.build</groupId><artifactId>strimzi-crd-generator</artifactId><version>1</version><packaging>pom</packaging>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
    <configuration><artifactItems>${Object.keys(JARS).map((a) => `
      <artifactItem><groupId>io.strimzi</groupId><artifactId>${a}</artifactId><version>${STRIMZI_VERSION}</version></artifactItem>`).join('')}
    </artifactItems></configuration>
  </plugin></plugins></build>
</project>
`);
    execFileSync('mvn', ['-q', '-B', '-f', pom, 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy', `-DoutputDirectory=${libs}`], { stdio: 'inherit' });
    jarsIn(libs).forEach((jar, i) => {
      const [artifact, expected] = Object.entries(JARS)[i];
      const actual = sha256(jar);
      if (actual !== expected) throw new Error(`io.strimzi:${artifact}:${STRIMZI_VERSION} from Maven has SHA-256 ${actual}, expected ${expected}`);
    });
  }));
}

/**
 * The folder with the ten CRD files: STRIMZI_CRDS_DIR when set, else .cache/strimzi-<version>/crds,
 * generated on first use (about 10 s with an empty Maven repository, 3 s after).
 */
export function strimziCrdsDir() {
  if (process.env.STRIMZI_CRDS_DIR) return process.env.STRIMZI_CRDS_DIR;
  return cachedFolder(join(home, 'crds'), (partial) => {
    const classpath = fetchGenerator().join(':');
    execFileSync(findJava(), ['-cp', classpath, 'io.strimzi.crdgenerator.CrdGenerator', ...GENERATOR_FLAGS, '--yaml',
      ...Object.entries(CRDS).map(([file, model]) => `${model}=${join(partial, file)}`)], { stdio: ['ignore', 'ignore', 'inherit'] });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(strimziCrdsDir());
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
