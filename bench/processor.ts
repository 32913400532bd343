/**
 * `npm run bench:processor`: throughput and end-to-end latency of the event processor on a real KRaft
 * broker (started here, on 127.0.0.1), for 100,000 realistic change events of about 1 KiB, with both
 * guarantees, against a bare kafkajs pass-through (bench/passthrough.ts) on the same data in the same run.
 * Two shapes of input: one topic of 4 partitions, and a fleet's 1,000 per-tenant topics of 1 partition each
 * (the same events spread over them), the second also with 2 processor replicas.
 *
 * Each run has two phases. Throughput: EVENTS records wait in the raw topics, the processes start and drain
 * them; events/s = EVENTS / (last output timestamp - first process start). Latency: 10,000 more records
 * arrive at a steady 2,000/s while they run; an event's end-to-end latency is its output record's timestamp
 * minus its raw record's timestamp. With 2 replicas the second starts when a quarter of the backlog is
 * out, so the drain includes a rebalance; "longest pause" is the longest gap between output records after
 * the first one (start-up excluded): what a rebalance costs. Prints a table; asserts nothing.
 * Every row runs twice: on a PLAINTEXT broker, and on one shaped like a managed Kafka (SASL_SSL with PLAIN,
 * TLS, ACLs), where the processor and the pass-through log in as a principal with exactly the processor's
 * ACLs (src/acls), so the table shows what SASL over TLS and the authorizer cost.
 * BENCH_PROCESSOR_MAIN runs another build of the processor (e.g. the previous commit's lib/processor/main.js);
 * BENCH_ONLY runs only the rows whose name contains it (e.g. `1,000 topics`); BENCH_SECURITY=plaintext or
 * sasl_ssl runs one broker only.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Admin, Kafka, logLevel, Message } from 'kafkajs';
import { changeKey, changeValue, ChangeSpec, topicOf } from '../test/support/debezium-events';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../scripts/ports.mjs';
// @ts-expect-error: a plain ES module script shared with the tests
import { startKafka, stopKafka } from '../scripts/stack.mjs';
// @ts-expect-error: a plain ES module script shared with the tests and the demo
import { addKafkaUser, applyAcls, kafkajsSettings, madeUpSecret, processorKafkaEnv } from '../scripts/kafka-security.mjs';
import { processorAccessOfEnv, processorAcls } from '../src/acls/kafka-acls';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const LIVE_EVENTS = 10_000;
const LIVE_RATE = 2_000;
/** Row ids repeat every ROWS events; a multiple of FLEET_TOPICS, so a row always lives in one topic. */
const ROWS = 10_000;
const FLEET_TOPICS = 1_000;
const root = path.join(__dirname, '..');
const processorMain = process.env.BENCH_PROCESSOR_MAIN ?? 'lib/processor/main.js';

/** The raw topics of one run: one topic of 4 partitions, or a fleet's per-tenant topics of 1 partition each. */
interface Shape {
  readonly topics: number;
  readonly partitions: number;
}
const ONE_TOPIC: Shape = { topics: 1, partitions: 4 };
const FLEET: Shape = { topics: FLEET_TOPICS, partitions: 1 };

/** The tenant (topic prefix) of event i: one tenant per topic, event i goes to topic i % topics. */
function tenantOf(id: string, shape: Shape, i: number): string {
  return shape.topics === 1 ? id : `${id}t${i % shape.topics}`;
}

function sourceTopics(id: string, shape: Shape): string[] {
  return Array.from({ length: shape.topics }, (_, t) => topicOf({ kind: 'sqlserver', prefix: tenantOf(id, shape, t), database: 'Bench', table: 'orders' }));
}

/**
 * Change events of about 1 KiB: an order row with a long-ish description, before and after. With
 * `longNumbers`, every row also has a SQL Server datetime2(7) column, a NanoTimestamp of 19 digits that a
 * double cannot hold, so every event takes the processor's lossless path.
 */
function events(id: string, shape: Shape, longNumbers = false): Array<Message & { topic: string; key: string }> {
  const filler = 'x'.repeat(220);
  return Array.from({ length: EVENTS }, (_, i) => {
    const prefix = tenantOf(id, shape, i);
    const spec: ChangeSpec = { kind: 'sqlserver', prefix, database: 'Bench', table: 'orders', op: i % 4 === 0 ? 'c' : 'u', id: i % ROWS, seq: i,
      before: i % 4 === 0 ? null : { id: i % ROWS, customer: `customer-${i % 777}`, total: `${i}.25`, status: 'open', note: filler },
      after: { id: i % ROWS, customer: `customer-${i % 777}`, total: `${i + 1}.25`, status: 'paid', note: filler } };
    const value = changeValue(spec);
    // JSON.stringify cannot write such a number: put it into the text
    return { topic: topicOf(spec), key: changeKey(spec), value: longNumbers ? value.replaceAll('"status":', `"created":${1_764_000_000_123_456_789n + BigInt(i)},"status":`) : value };
  });
}

interface Scenario {
  readonly name: string;
  readonly command: string[];
  readonly env: Record<string, string>;
  readonly shape: Shape;
  readonly replicas?: number;
  readonly longNumbers?: boolean;
}

interface Result { name: string; security: string; shape: Shape; eventsPerSecond: number; p50: number; p99: number; seconds: number; longestPauseMs: number }

/** The broker of a run: a kafkajs client as its super user, and the environment that logs a child in. */
interface Broker {
  readonly info: any;
  readonly kafka: Kafka;
}

/** On a SASL_SSL broker: a principal of its own for the processes of a run, with exactly the processor's ACLs. */
async function accessEnv(broker: Broker, admin: Admin, env: Record<string, string>): Promise<Record<string, string>> {
  if (broker.info.security !== 'sasl_ssl') return { KAFKA_BROKERS: broker.info.brokers };
  const user = { username: `bench-${Date.now().toString(36)}`, password: madeUpSecret() };
  addKafkaUser(broker.info, user);
  await applyAcls(admin, `User:${user.username}`, processorAcls(processorAccessOfEnv(env, [])));
  return processorKafkaEnv(broker.info, user);
}

async function run(scenario: Scenario, broker: Broker): Promise<Result> {
  const { kafka } = broker;
  const { shape } = scenario;
  const id = `${scenario.name.replace(/[^a-z]/g, '').slice(0, 12)}${Date.now().toString(36)}`;
  const sources = sourceTopics(id, shape);
  const sink = `bench-sink-${id}`;
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, [...sources.map((topic) => ({ topic, numPartitions: shape.partitions })), { topic: sink, numPartitions: 4 }, { topic: `${sink}.dlq`, numPartitions: 1 }]);
  const data = events(id, shape, scenario.longNumbers);
  const producer = kafka.producer();
  await producer.connect();
  const send = (messages: typeof data) => producer.sendBatch({ acks: 1, topicMessages: byTopic(messages) });

  // phase 1, throughput: a backlog of EVENTS records, then the processes start and drain it
  for (let i = 0; i < data.length; i += 1000) await send(data.slice(i, i + 1000));
  const children: ChildProcess[] = [];
  const env = { SOURCE_TOPICS: sources.join(','), SINK_TOPIC: sink, KAFKA_GROUP_ID: `bench-${id}`, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', ...scenario.env };
  const login = await accessEnv(broker, admin, env);
  const startProcess = () => children.push(spawn(scenario.command[0], scenario.command.slice(1), {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH, ...env, ...login },
  }));
  const started = Date.now();
  startProcess();
  const replicas = scenario.replicas ?? 1;
  const drained = await readAll(kafka, [sink], EVENTS, (count) => {
    // the other replicas join while the backlog drains: the drain includes their rebalances
    if (children.length < replicas && count >= (EVENTS / 4) * children.length) startProcess();
  });
  const seconds = (Math.max(...drained.map((r) => r.ts)) - started) / 1000;
  const longestPauseMs = longestPause(drained.map((r) => r.ts));

  // phase 2, latency: LIVE_EVENTS more at a steady LIVE_RATE per second while they run
  const live = data.slice(0, LIVE_EVENTS);
  const liveStart = Date.now();
  for (let i = 0; i < live.length; i += 100) {
    await send(live.slice(i, i + 100));
    const due = liveStart + ((i + 100) / LIVE_RATE) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  await producer.disconnect();
  const input = await readAll(kafka, sources, EVENTS + LIVE_EVENTS);
  const output = await readAll(kafka, [sink], EVENTS + LIVE_EVENTS);
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))));
  for (let i = 0; i < sources.length; i += 200) await admin.deleteTopics({ topics: sources.slice(i, i + 200) }).catch(() => undefined);
  await admin.deleteTopics({ topics: [sink, `${sink}.dlq`] }).catch(() => undefined);
  await admin.disconnect();

  // the live records are the ones produced after liveStart; pair the n-th output of a row with its n-th input
  const inputsByRow = new Map<string, number[]>();
  for (const r of input) {
    if (!inputsByRow.has(rowOf(r.key))) inputsByRow.set(rowOf(r.key), []);
    inputsByRow.get(rowOf(r.key))!.push(r.ts);
  }
  for (const timestamps of inputsByRow.values()) timestamps.sort((a, b) => a - b);
  const latencies: number[] = [];
  const seen = new Map<string, number>();
  for (const r of output) {
    const row = rowOf(r.key);
    const n = seen.get(row) ?? 0;
    seen.set(row, n + 1);
    const sentAt = inputsByRow.get(row)?.[n];
    if (sentAt !== undefined && sentAt >= liveStart) latencies.push(r.ts - sentAt);
  }
  latencies.sort((a, b) => a - b);
  return {
    name: scenario.name, security: broker.info.security === 'sasl_ssl' ? 'SASL_SSL' : 'PLAINTEXT', shape, seconds, eventsPerSecond: EVENTS / seconds, longestPauseMs,
    p50: latencies[Math.floor(latencies.length * 0.5)], p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

/**
 * Creates topics and waits until each has a leader. (kafkajs's own wait gives up when a broker does not know
 * a topic yet, which happens with hundreds of new topics.)
 */
async function createTopics(admin: Admin, topics: Array<{ topic: string; numPartitions: number }>): Promise<void> {
  for (let i = 0; i < topics.length; i += 200) await admin.createTopics({ topics: topics.slice(i, i + 200), waitForLeaders: false });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      if (described.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error('the new topics have no leaders after 120 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

function byTopic(messages: ReadonlyArray<Message & { topic: string }>): Array<{ topic: string; messages: Message[] }> {
  const topics = new Map<string, Message[]>();
  for (const { topic, ...message } of messages) {
    if (!topics.has(topic)) topics.set(topic, []);
    topics.get(topic)!.push(message);
  }
  return [...topics].map(([topic, list]) => ({ topic, messages: list }));
}

/** The longest gap between consecutive output timestamps, from the first output on. */
function longestPause(timestamps: number[]): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let longest = 0;
  for (let i = 1; i < sorted.length; i++) longest = Math.max(longest, sorted[i] - sorted[i - 1]);
  return longest;
}

/**
 * Reads topics from the start (read_committed) until `count` records, with their broker timestamps, in the
 * order of each partition; `onProgress` hears the count after every batch.
 */
async function readAll(kafka: Kafka, topics: string[], count: number, onProgress?: (count: number) => void): Promise<Array<{ key: string; ts: number }>> {
  const records: Array<{ key: string; ts: number }> = [];
  const consumer = kafka.consumer({ groupId: `bench-reader-${topics[0]}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) records.push({ key: `${m.key}`, ts: Number(m.timestamp) });
      onProgress?.(records.length);
    },
  });
  const deadline = Date.now() + 600_000;
  while (records.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return records;
}

/** Both the raw key `{"id":7}` and the processor's `<tenant>:<table>:{"id":7}` end with the row's key JSON; a row lives in one topic. */
function rowOf(key: string): string {
  return key.slice(key.lastIndexOf('{'));
}

async function main(): Promise<void> {
  const node = process.execPath;
  const passthrough = [node, '-r', 'ts-node/register/transpile-only', 'bench/passthrough.ts'];
  const processor = [node, processorMain];
  const atLeastOnce = { PROCESSING_GUARANTEE: 'at-least-once' };
  const exactlyOnce = { PROCESSING_GUARANTEE: 'exactly-once' };
  const scenarios: Scenario[] = [
    { name: 'kafkajs pass-through (ceiling)', command: passthrough, env: {}, shape: ONE_TOPIC },
    { name: 'processor at-least-once', command: processor, env: atLeastOnce, shape: ONE_TOPIC },
    { name: 'processor exactly-once', command: processor, env: exactlyOnce, shape: ONE_TOPIC },
    { name: 'processor at-least-once, 19-digit numbers', command: processor, env: atLeastOnce, shape: ONE_TOPIC, longNumbers: true },
    { name: 'kafkajs pass-through, 1,000 topics (ceiling)', command: passthrough, env: {}, shape: FLEET },
    { name: 'processor at-least-once, 1,000 topics', command: processor, env: atLeastOnce, shape: FLEET },
    { name: 'processor exactly-once, 1,000 topics', command: processor, env: exactlyOnce, shape: FLEET },
    { name: 'processor exactly-once, 1,000 topics, 2 replicas', command: processor, env: exactlyOnce, shape: FLEET, replicas: 2 },
  ];
  const securities = process.env.BENCH_SECURITY ? [process.env.BENCH_SECURITY] : ['plaintext', 'sasl_ssl'];
  const results: Result[] = [];
  for (const security of securities) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-kafka-'));
    const started = await startKafka({ port: await freePorts(2), dir, security });
    const broker: Broker = { info: started.info, kafka: new Kafka({ clientId: 'bench', ...kafkajsSettings(started.info), logLevel: logLevel.NOTHING }) };
    try {
      for (const scenario of scenarios.filter((s) => s.name.includes(process.env.BENCH_ONLY ?? ''))) {
        results.push(await run(scenario, broker));
        console.error(`done: ${scenario.name}, ${security} (load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
      }
    } finally {
      await stopKafka({ dir });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  // each row is compared with the pass-through on the same shape of input and the same broker
  const ceilingOf = (r: Result) => results.find((c) => c.shape === r.shape && c.security === r.security && c.name.includes('pass-through'))?.eventsPerSecond ?? NaN;
  const plaintextOf = (r: Result) => results.find((c) => c.name === r.name && c.security === 'PLAINTEXT')?.eventsPerSecond ?? NaN;
  console.log(`bench:processor: ${EVENTS} events of ~1 KiB, ${os.cpus().length} cores, processor ${processorMain}\n`);
  console.log('| run | broker | events/s | of ceiling | of PLAINTEXT | p50 latency ms (live) | p99 latency ms (live) | drain seconds | longest pause ms |');
  console.log('|-----|--------|----------|------------|--------------|----------------|----------------|---------|---------|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.security} | ${Math.round(r.eventsPerSecond)} | ${(r.eventsPerSecond / ceilingOf(r)).toFixed(2)} | ${(r.eventsPerSecond / plaintextOf(r)).toFixed(2)} `
      + `| ${r.p50} | ${r.p99} | ${r.seconds.toFixed(1)} | ${r.longestPauseMs} |`);
  }
  console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('target: at-least-once reaches at least half of the pass-through ceiling (0.50)');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
