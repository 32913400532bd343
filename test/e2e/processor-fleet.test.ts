import { Message, Producer } from 'kafkajs';
import { afterEach, describe, expect, test } from 'vitest';
import { changeKey, changeValue, ChangeSpec, topicOf } from '../support/debezium-events';
import { endOffsets, isolatedPipeline, kafka, offsetsByPartition, processorFleet, ProcessorProcess, readCommitted, sleep, unique, waitFor } from './support/kafka';

/**
 * Exactly-once with several processor replicas on a real broker: the group rebalances while change events
 * stream in (replicas join, are SIGKILLed, SIGTERMed, and one is frozen past its session timeout and thawed,
 * a zombie that resumes the batch it was in), and the final topic still holds every event exactly once.
 * With one transactional producer per process instead of one per slot, the zombie's transactions commit
 * what the others already did again (hundreds to thousands of duplicates), and on one host the processes,
 * whose transactional ids then share the host name, fence each other and exit 1.
 */
const processors = processorFleet();
afterEach(processors.stopAll);

const TOPICS = 30;
const PARTITIONS = 2;
/** kafkajs's default session timeout: a member silent for longer is out of the group. */
const SESSION_TIMEOUT_MS = 30_000;

/** Change events written as Debezium would, spread over the tenants' topics, at a steady rate or in bursts. */
class ChangeStream {
  private produced = 0;
  private running = true;
  private writing: Promise<void> = Promise.resolve();
  private readonly done: Promise<void>;

  constructor(private readonly producer: Producer, private readonly prefix: string, ratePerSecond: number) {
    this.done = (async () => {
      while (this.running) {
        await this.write(ratePerSecond / 5);
        await sleep(200);
      }
    })();
  }

  static async start(prefix: string, ratePerSecond: number): Promise<ChangeStream> {
    // idempotent, so a retried request cannot put an event twice into the raw topics
    const producer = kafka('fleet-stream').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    return new ChangeStream(producer, prefix, ratePerSecond);
  }

  static topics(prefix: string): string[] {
    return Array.from({ length: TOPICS }, (_, t) => topicOf({ kind: 'postgres', prefix: `${prefix}t${t}`, database: 'db', table: 'orders' }));
  }

  /** Writes `count` more events after the ones being written (kafkajs's idempotent producer wants one send at a time). */
  write(count: number): Promise<void> {
    const written = this.writing.then(() => this.send(count));
    this.writing = written.catch(() => undefined);
    return written;
  }

  private async send(count: number): Promise<void> {
    const specs = Array.from({ length: count }, (_, i): ChangeSpec => {
      const seq = this.produced + i;
      return { kind: 'postgres', prefix: `${this.prefix}t${seq % TOPICS}`, database: 'db', table: 'orders', op: seq % 3 === 0 ? 'c' : 'u', id: seq % 7919, seq };
    });
    this.produced += count;
    // in requests of at most 2,000 events, in order
    for (let from = 0; from < specs.length; from += 2000) {
      const byTopic = new Map<string, Message[]>();
      for (const spec of specs.slice(from, from + 2000)) {
        if (!byTopic.has(topicOf(spec))) byTopic.set(topicOf(spec), []);
        byTopic.get(topicOf(spec))!.push({ key: changeKey(spec), value: changeValue(spec) });
      }
      await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    await this.producer.disconnect();
  }
}

describe('exactly-once with several processor replicas', () => {
  test('joins, SIGKILL, SIGTERM and a zombie during a stream over 60 partitions: every event exactly once', async () => {
    const prefix = unique('fleet');
    const topics = ChangeStream.topics(prefix);
    const { sink, groupId, env } = await isolatedPipeline(topics.map((topic) => ({ topic, partitions: PARTITIONS })), { PROCESSING_GUARANTEE: 'exactly-once' });
    const committedSum = async () => Object.values((await offsetsByPartition(groupId, topics)).committed).reduce((sum, o) => sum + Math.max(0, o), 0);
    /** Waits until the group committed `more` inputs beyond what it had (the replicas are at work), or says they stalled. */
    const progress = async (more: number, what: string) => {
      const from = await committedSum();
      await waitFor(`${what}: ${more} more inputs committed`, async () => (await committedSum()) >= from + more, 120_000, 250)
        .catch((error) => console.log(`stalled: ${error.message}`));
    };
    const started = async (processor: ProcessorProcess) => {
      await processor.waitStarted();
      return processor;
    };

    const stream = await ChangeStream.start(prefix, 400);
    await stream.write(5000);
    const a = await started(processors.start(env));
    await progress(3000, 'a alone');
    const b = await started(processors.start(env));
    await progress(2000, 'a and b');
    const c = await started(processors.start(env));
    await progress(2000, 'a, b and c');

    // a zombie: frozen in the middle of its batches for longer than its session, so b and c take its
    // partitions over and process them again from their committed offsets; then a resumes where it was
    await stream.write(8000);
    await progress(300, 'the burst');
    a.kill('SIGSTOP');
    await sleep(SESSION_TIMEOUT_MS + 12_000);
    a.kill('SIGCONT');
    await progress(1000, 'after the thaw');

    b.kill('SIGKILL');
    const bExit = await b.exited;
    await stream.write(3000);
    c.kill('SIGTERM');
    const cExit = await c.exited;
    const d = await started(processors.start(env));
    await progress(2000, 'a and d');
    await stream.stop();

    const total = await endOffsets(topics);
    const settled = await waitFor('every input committed', async () => (await committedSum()) >= total, 300_000, 500).then(() => true, () => false);
    const output = await readCommitted(sink);
    const firstCopy = new Map<string, string>();
    const duplicates: string[] = [];
    for (const record of output) {
      const eventId = JSON.parse(record.value).eventId;
      if (firstCopy.has(eventId)) duplicates.push(`${eventId} at ${firstCopy.get(eventId)} and ${record.partition}@${record.offset}`);
      else firstCopy.set(eventId, `${record.partition}@${record.offset}`);
    }
    // the zombie's in-flight transaction must have met the fence (else the test never exercised it)
    const fencesOf = (p: ProcessorProcess) => p.output.filter((line) => line.includes('producer was fenced')).length;
    const fences = { a: fencesOf(a), b: fencesOf(b), c: fencesOf(c), d: fencesOf(d) };
    const { committed, end } = await offsetsByPartition(groupId, topics);
    const behind = Object.keys(end).filter((p) => committed[p] !== end[p]);
    console.log(`fleet exactly-once: ${total} events in, ${output.length} out, ${firstCopy.size} distinct eventIds, `
      + `${duplicates.length} duplicates, ${total - firstCopy.size} missing; ${behind.length} of ${Object.keys(end).length} partitions' committed offsets `
      + `short of their end${settled ? '' : ' (gave up waiting)'}; exit codes a ${a.child.exitCode}, b ${bExit} (SIGKILL), c ${cExit} (SIGTERM), d ${d.child.exitCode}`
      + `; fenced transactions ${JSON.stringify(fences)}`
      + `${duplicates.length ? `; first duplicates: ${duplicates.slice(0, 3).join(', ')}` : ''}`);
    expect(total).toBeGreaterThan(30_000);
    expect(firstCopy.size).toBe(total);
    expect(output).toHaveLength(total);
    expect(behind).toEqual([]);
    // a was frozen in the middle of a burst: after the thaw its open transactions met the newer producers' fence
    expect(fences.a).toBeGreaterThan(0);
    // none crashed: b was killed, c stopped by SIGTERM (exit 0), d still runs. (a may have exited 1 after the
    // thaw: kafkajs gives up when the connections the freeze broke fail to find the group coordinator.)
    expect({ b: bExit, c: cExit, d: d.child.exitCode }).toEqual({ b: null, c: 0, d: null });
    const crashes = [a, b, c, d].flatMap((p) => p.output.filter((line) => line.includes('unrecoverable consumer error')));
    expect(crashes.filter((line) => /epoch|fenced|transaction/i.test(line))).toEqual([]);
  });
});
