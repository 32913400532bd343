import { ChildProcess, execFile, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { Admin, Kafka, logLevel, Message } from 'kafkajs';
import { AclGrant, kafkaAclsOf, processorAccessOfEnv, processorAcls } from '../../../src/acls/kafka-acls';
import type { SynthesizedObject } from '../../../src/footprint/kafka-footprint';
// @ts-expect-error: a plain ES module script shared with the demo and the benchmarks
import { addKafkaUser, applyAcls, javaClientProperties, kafkajsSettings, madeUpSecret, processorKafkaEnv, propertiesText } from '../../../scripts/kafka-security.mjs';
// @ts-expect-error: a plain ES module script shared with the demo and CI
import { javaArgs } from '../../../scripts/stack.mjs';

/**
 * The broker the global setup started (scripts/stack.mjs): shaped like a managed Kafka, SASL_SSL with a CA
 * made at run time and ACLs that deny what they do not allow. `superUser` is for a test's own setup only
 * (topics, users, ACLs, reading results); every client under test logs in as a principal of its own.
 */
export interface KafkaInfo {
  readonly brokers: string;
  readonly security: 'sasl_ssl' | 'plaintext';
  readonly dir: string;
  readonly caFile: string;
  readonly superUser: KafkaUser;
}

/** A SASL user of the test broker, made up at run time. */
export interface KafkaUser {
  readonly mechanism: 'plain' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
  /** `User:<username>` */
  readonly principal: string;
}

export function kafkaInfo(): KafkaInfo {
  if (!process.env.E2E_KAFKA) throw new Error('E2E_KAFKA is not set: run the end-to-end tests with vitest, whose global setup starts the broker');
  return JSON.parse(process.env.E2E_KAFKA);
}

export const brokers = () => kafkaInfo().brokers.split(',');
/** A client as the super user: the test's own setup and checks, and writing raw topics in Debezium's place. */
export const kafka = (clientId = 'e2e') => new Kafka({ clientId, ...kafkajsSettings(kafkaInfo()), logLevel: logLevel.NOTHING, retry: { retries: 20, maxRetryTime: 5000 } });

/**
 * A new SASL user (PLAIN, and with `scram` SCRAM-SHA-512 too) with a password made up now, as a Kafka
 * administrator creates an API key or a KafkaUser. It may do nothing until it is granted ACLs.
 */
export function newKafkaUser(name: string, options: { scram?: boolean } = {}): KafkaUser {
  const username = unique(name);
  const password = madeUpSecret();
  addKafkaUser(kafkaInfo(), { username, password, scram: options.scram });
  return { mechanism: options.scram ? 'scram-sha-512' : 'plain', username, password, principal: `User:${username}` };
}

/** Gives a principal these grants on the broker (or takes them away), as a Kafka administrator would. */
export async function grantAcls(principal: string, grants: readonly AclGrant[], options: { remove?: boolean } = {}): Promise<void> {
  await withAdmin((admin) => applyAcls(admin, principal, grants, options));
}

/** What `applyOutputAcls` last applied, by `principal\u0000resource`, in this test file. */
const appliedAcls = new Map<string, { principal: string; grant: AclGrant }>();

/**
 * Makes the broker's ACLs those the synthesized objects need (`npm run acls`, or the plan's ACL lines), as
 * a Kafka administrator applies them: what is new is granted, what is no longer needed is removed.
 */
export async function applyOutputAcls(objects: readonly SynthesizedObject[]): Promise<void> {
  const wanted = new Map<string, { principal: string; grant: AclGrant }>();
  for (const { principal, grants } of kafkaAclsOf(objects)) {
    for (const grant of grants) {
      for (const operation of grant.operations) {
        wanted.set([principal, grant.resource.type, grant.resource.pattern, grant.resource.name, operation].join('\u0000'), { principal, grant: { ...grant, operations: [operation] } });
      }
    }
  }
  const removed = [...appliedAcls].filter(([key]) => !wanted.has(key)).map(([, v]) => v);
  const added = [...wanted].filter(([key]) => !appliedAcls.has(key)).map(([, v]) => v);
  await withAdmin(async (admin) => {
    for (const { principal, grant } of removed) await applyAcls(admin, principal, [grant], { remove: true });
    for (const principal of new Set(added.map((a) => a.principal))) {
      await applyAcls(admin, principal, added.filter((a) => a.principal === principal).map((a) => a.grant));
    }
  });
  appliedAcls.clear();
  for (const [key, value] of wanted) appliedAcls.set(key, value);
}

/** A kafkajs client logged in as `user`, to see what the broker lets that principal do. */
export function clientAs(user: KafkaUser, clientId = 'e2e-as-user'): Kafka {
  return new Kafka({ clientId, ...kafkajsSettings(kafkaInfo(), user), logLevel: logLevel.NOTHING, retry: { retries: 0 } });
}

/**
 * A processor's own principal with exactly the ACLs tenant-cdc emits for it (src/acls), and the
 * environment that logs in as it (the CA where a pod would have it mounted).
 */
export async function processorAccess(env: Record<string, string>, sourcePrefixes: readonly string[] = []): Promise<Record<string, string>> {
  const user = newKafkaUser('processor');
  await grantAcls(user.principal, processorAcls(processorAccessOfEnv(env, sourcePrefixes)));
  return processorKafkaEnv(kafkaInfo(), user);
}

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopics(topics: Array<{ topic: string; partitions?: number; configs?: Record<string, string> }>): Promise<void> {
  await withAdmin((admin) => admin.createTopics({
    topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions ?? 1, configEntries: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })) })),
    waitForLeaders: true,
  }));
}

/**
 * Source topics, a final topic of 3 partitions, its DLQ, a consumer group, and the processor's env for them:
 * it logs in as a principal of its own with exactly the ACLs tenant-cdc emits for that env.
 */
export async function isolatedPipeline(sources: Array<{ topic: string; partitions?: number; configs?: Record<string, string> }>, extraEnv: Record<string, string> = {}) {
  const sink = unique('sink');
  const groupId = unique('group');
  await createTopics([...sources, { topic: sink, partitions: 3 }, { topic: `${sink}.dlq` }]);
  const env = { SOURCE_TOPICS: sources.map((s) => s.topic).join(','), SINK_TOPIC: sink, KAFKA_GROUP_ID: groupId, ...extraEnv };
  return { sink, dlq: `${sink}.dlq`, groupId, env: { ...env, ...await processorAccess(env) } };
}

/** Produces in order, in requests of at most `perRequest` records (keep a request under the broker's size limit). */
export async function produce(topic: string, messages: Message[], perRequest = 2000): Promise<void> {
  const producer = kafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < messages.length; i += perRequest) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + perRequest) });
  await producer.disconnect();
}

export interface Consumed { key: string | null; value: string | null; headers: Record<string, string>; partition: number; offset: string }

/**
 * Reads a topic from the start (read_committed) until `count` records arrived and nothing new came for
 * `quietMs` (default 500), or, without `count`, until nothing new came for `idleMs`.
 */
export async function consumeAll(topic: string, options: { count?: number; idleMs?: number; quietMs?: number; timeoutMs?: number } = {}): Promise<Consumed[]> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  // a Connect task is RUNNING before its first record creates the topic, and subscribing to a topic the broker
  // does not have (auto-creation is off, as on a managed Kafka) fails at once instead of waiting for it
  await waitFor(`${topic} in Kafka`, async () => (await withAdmin((admin) => admin.listTopics())).includes(topic), timeoutMs, 500);
  const consumer = kafka().consumer({ groupId: unique('e2e-reader'), readUncommitted: false, allowAutoTopicCreation: false });
  const records: Consumed[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let last = Date.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        records.push({
          key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, partition: batch.partition, offset: m.offset,
          headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
      }
      last = Date.now();
    },
  });
  const started = Date.now();
  const idleMs = options.idleMs ?? 3000;
  while (Date.now() - started < timeoutMs) {
    if (options.count !== undefined && records.length >= options.count && Date.now() - last > (options.quietMs ?? 500)) break;
    if (options.count === undefined && Date.now() - last > idleMs && Date.now() - started > idleMs) break;
    await sleep(100);
  }
  await consumer.disconnect();
  return records;
}

/**
 * Every record a read_committed consumer sees in a topic, read with Kafka's own Java client (kafkajs lets
 * records of aborted transactions through, see ReadCommitted.java), once no transaction is open on it
 * (waiting at most `timeoutMs`).
 */
export async function readCommitted(topic: string, timeoutMs = 120_000): Promise<Array<{ partition: number; offset: number; value: string }>> {
  // the super user's client settings, in a file only its owner can read
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenant-cdc-read-committed-'));
  const client = path.join(dir, 'client.properties');
  fs.writeFileSync(client, propertiesText(javaClientProperties(kafkaInfo())), { mode: 0o600 });
  const args = javaArgs(path.join(__dirname, 'ReadCommitted.java'), [client, topic, String(timeoutMs)], path.join(os.tmpdir(), 'tenant-cdc-read-committed.log'), '256m');
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('java', args, { maxBuffer: 1024 * 1024 * 1024 }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return stdout.split('\n').filter(Boolean).map((line) => {
    const [partition, offset, value] = line.split('\t');
    return { partition: Number(partition), offset: Number(offset), value };
  });
}

/** Sum over partitions of the committed offsets of a group on a topic (-1 as 0). */
export async function committed(groupId: string, topics: string[]): Promise<number> {
  return withAdmin(async (admin) => {
    const offsets = await admin.fetchOffsets({ groupId, topics });
    return offsets.flatMap((t) => t.partitions).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  });
}

/** The committed offset of a group (-1 when none) and the end offset of every partition of the topics, by `topic:partition`. */
export async function offsetsByPartition(groupId: string, topics: string[]): Promise<{ committed: Record<string, number>; end: Record<string, number> }> {
  return withAdmin(async (admin) => {
    const committed: Record<string, number> = {};
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) for (const p of partitions) committed[`${topic}:${p.partition}`] = Number(p.offset);
    const end: Record<string, number> = {};
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) end[`${topic}:${p.partition}`] = Number(p.high);
    return { committed, end };
  });
}

export async function endOffsets(topics: string[]): Promise<number> {
  return withAdmin(async (admin) => {
    let sum = 0;
    for (const topic of topics) sum += (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0);
    return sum;
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Processors a test file starts; `stopAll` (in afterEach) kills the ones still running. */
export function processorFleet() {
  const running: ProcessorProcess[] = [];
  return {
    start(env: Record<string, string>): ProcessorProcess {
      const processor = new ProcessorProcess(env);
      running.push(processor);
      return processor;
    },
    async stopAll(): Promise<void> {
      for (const processor of running.splice(0)) {
        if (processor.child.exitCode === null) processor.kill('SIGKILL');
        await processor.exited;
      }
    },
  };
}

/**
 * The processor build the tests run: this checkout's, or another one's `lib/processor/main.js` (e.g. the
 * previous commit's, to show that a new test fails with it).
 */
const PROCESSOR_MAIN = process.env.E2E_PROCESSOR_MAIN ?? path.join(__dirname, '..', '..', '..', 'lib', 'processor', 'main.js');

/**
 * The processor as a real process: `node lib/processor/main.js` with the given environment, which names the
 * principal it logs in as (see processorAccess): nothing logs it in as the super user.
 */
export class ProcessorProcess {
  public readonly child: ChildProcess;
  public readonly output: string[] = [];
  public readonly exited: Promise<number | null>;
  private ready = false;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [PROCESSOR_MAIN], {
      env: { PATH: process.env.PATH, KAFKA_BROKERS: brokers().join(','), HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // E2E_PROCESSOR_LOGS=<folder> keeps every processor's output in <folder>/<pid>.log
    const logFile = process.env.E2E_PROCESSOR_LOGS && path.join(process.env.E2E_PROCESSOR_LOGS, `${this.child.pid}.log`);
    const collect = (chunk: Buffer) => {
      if (logFile) fs.appendFileSync(logFile, chunk);
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        this.output.push(line);
        if (line.includes('"processor started"')) this.ready = true;
      }
    };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async waitStarted(timeoutMs = 60_000): Promise<void> {
    await waitFor('the processor to start', () => {
      if (this.child.exitCode !== null) throw new Error(`the processor exited ${this.child.exitCode}:\n${this.output.join('\n')}`);
      return this.ready;
    }, timeoutMs);
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** The port of /healthz, /readyz and /metrics. */
  get httpPort(): number {
    const line = this.output.find((l) => l.includes('"processor started"'));
    return JSON.parse(line!).httpPort;
  }
}
