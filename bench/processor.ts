/**
 * `npm run bench:processor`: throughput and end-to-end latency of the event processor on a real KRaft
 * broker (started here, on 127.0.0.1), for 100,000 realistic change events of about 1 KiB, with both
 * guarantees, against a bare kafkajs pass-through (bench/passthrough.ts) on the same data in the same run.
 *
 * Each run has two phases on one consumer process. Throughput: EVENTS records wait in the raw topic, the
 * process starts and drains them; events/s = EVENTS / (last output timestamp - process start). Latency:
 * 10,000 more records arrive at a steady 2,000/s while it runs; an event's end-to-end latency is its
 * output record's timestamp minus its raw record's timestamp. Prints a table; asserts nothing.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { changeKey, changeValue, ChangeSpec, topicOf } from '../test/support/debezium-events';
// @ts-expect-error: a plain ES module script shared with the tests, the benchmarks and the demo
import { freePorts } from '../scripts/ports.mjs';
// @ts-expect-error: a plain ES module script shared with the tests
import { startKafka, stopKafka } from '../scripts/stack.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PARTITIONS = 4;
const LIVE_EVENTS = 10_000;
const LIVE_RATE = 2_000;
const root = path.join(__dirname, '..');

/**
 * A change event of about 1 KiB: an order row with a long-ish description, before and after. With
 * `longNumbers`, every row also has a SQL Server datetime2(7) column, a NanoTimestamp of 19 digits that a
 * double cannot hold, so every event takes the processor's lossless path.
 */
function events(prefix: string, longNumbers = false): Array<{ key: string; value: string }> {
  const filler = 'x'.repeat(220);
  return Array.from({ length: EVENTS }, (_, i) => {
    const spec: ChangeSpec = { kind: 'sqlserver', prefix, database: 'Bench', table: 'orders', op: i % 4 === 0 ? 'c' : 'u', id: i % 10_000, seq: i,
      before: i % 4 === 0 ? null : { id: i % 10_000, customer: `customer-${i % 777}`, total: `${i}.25`, status: 'open', note: filler },
      after: { id: i % 10_000, customer: `customer-${i % 777}`, total: `${i + 1}.25`, status: 'paid', note: filler } };
    const value = changeValue(spec);
    // JSON.stringify cannot write such a number: put it into the text
    return { key: changeKey(spec), value: longNumbers ? value.replaceAll('"status":', `"created":${1_764_000_000_123_456_789n + BigInt(i)},"status":`) : value };
  });
}

interface Result { name: string; eventsPerSecond: number; p50: number; p99: number; seconds: number }

async function run(name: string, kafka: Kafka, brokers: string, command: string[], extraEnv: Record<string, string>, longNumbers = false): Promise<Result> {
  const id = `${name.replace(/[^a-z]/g, '')}${Date.now().toString(36)}`;
  const source = topicOf({ kind: 'sqlserver', prefix: id, database: 'Bench', table: 'orders' });
  const sink = `bench-sink-${id}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: source, numPartitions: PARTITIONS }, { topic: sink, numPartitions: PARTITIONS }, { topic: `${sink}.dlq` }], waitForLeaders: true });
  const data = events(id, longNumbers);
  const producer = kafka.producer();
  await producer.connect();

  // phase 1, throughput: a backlog of EVENTS records, then the consumer starts and drains it
  for (let i = 0; i < data.length; i += 1000) await producer.send({ topic: source, acks: 1, messages: data.slice(i, i + 1000) });
  const started = Date.now();
  const child = spawn(command[0], command.slice(1), {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH, KAFKA_BROKERS: brokers, SOURCE_TOPICS: source, SINK_TOPIC: sink, KAFKA_GROUP_ID: `bench-${id}`, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', ...extraEnv },
  });
  const drained = await readAll(kafka, sink, EVENTS);
  const seconds = (Math.max(...drained.map((r) => r.ts)) - started) / 1000;

  // phase 2, latency: LIVE_EVENTS more at a steady LIVE_RATE per second while it runs
  const live = data.slice(0, LIVE_EVENTS);
  const liveStart = Date.now();
  for (let i = 0; i < live.length; i += 100) {
    await producer.send({ topic: source, acks: 1, messages: live.slice(i, i + 100) });
    const due = liveStart + ((i + 100) / LIVE_RATE) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  await producer.disconnect();
  const input = (await readAll(kafka, source, EVENTS + LIVE_EVENTS)).slice(-0);
  const output = await readAll(kafka, sink, EVENTS + LIVE_EVENTS);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await admin.deleteTopics({ topics: [source, sink, `${sink}.dlq`] }).catch(() => undefined);
  await admin.disconnect();

  // the live records are the ones produced after liveStart; pair the n-th output of a row with its n-th input
  const inputsByRow = new Map<string, number[]>();
  for (const r of input) {
    if (!inputsByRow.has(rowOf(r.key))) inputsByRow.set(rowOf(r.key), []);
    inputsByRow.get(rowOf(r.key))!.push(r.ts);
  }
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
    name, seconds, eventsPerSecond: EVENTS / seconds,
    p50: latencies[Math.floor(latencies.length * 0.5)], p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

/** Reads a topic from the start (read_committed) until `count` records, with their broker timestamps. */
async function readAll(kafka: Kafka, topic: string, count: number): Promise<Array<{ key: string; ts: number }>> {
  const records: Array<{ key: string; ts: number }> = [];
  const consumer = kafka.consumer({ groupId: `bench-reader-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachBatch: async ({ batch }) => { for (const m of batch.messages) records.push({ key: `${m.key}`, ts: Number(m.timestamp) }); } });
  const deadline = Date.now() + 600_000;
  while (records.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return records;
}

/** Both the raw key `{"id":7}` and the processor's `<tenant>:<table>:{"id":7}` end with the row's key JSON. */
function rowOf(key: string): string {
  return key.slice(key.lastIndexOf('{'));
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-kafka-'));
  const port = await freePorts(2);
  const broker = await startKafka({ port, dir });
  const kafka = new Kafka({ clientId: 'bench', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  try {
    const node = process.execPath;
    const results = [
      await run('kafkajs pass-through (ceiling)', kafka, broker.brokers, [node, '-r', 'ts-node/register/transpile-only', 'bench/passthrough.ts'], {}),
      await run('processor at-least-once', kafka, broker.brokers, [node, 'lib/processor/main.js'], { PROCESSING_GUARANTEE: 'at-least-once' }),
      await run('processor exactly-once', kafka, broker.brokers, [node, 'lib/processor/main.js'], { PROCESSING_GUARANTEE: 'exactly-once' }),
      await run('processor at-least-once, 19-digit numbers', kafka, broker.brokers, [node, 'lib/processor/main.js'], { PROCESSING_GUARANTEE: 'at-least-once' }, true),
    ];
    const ceiling = results[0].eventsPerSecond;
    console.log(`bench:processor: ${EVENTS} events of ~1 KiB, ${PARTITIONS} partitions, one instance, broker ${broker.brokers}, ${os.cpus().length} cores\n`);
    console.log('| run | events/s | of ceiling | p50 latency ms (live) | p99 latency ms (live) | drain seconds |');
    console.log('|-----|----------|------------|----------------|----------------|---------|');
    for (const r of results) {
      console.log(`| ${r.name} | ${Math.round(r.eventsPerSecond)} | ${(r.eventsPerSecond / ceiling).toFixed(2)} | ${r.p50} | ${r.p99} | ${r.seconds.toFixed(1)} |`);
    }
    console.log('\ntarget: at-least-once reaches at least half of the pass-through ceiling (0.50)');
  } finally {
    await stopKafka({ dir });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
