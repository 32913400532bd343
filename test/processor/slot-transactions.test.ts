import { describe, expect, test } from 'vitest';
import { createLogger } from '../../src/processor/logger';
import { slotOf } from '../../src/processor/slots';
import type { TopicRecords } from '../../src/processor/record-batches';
import { InputPosition, SlotProducer, SlotTransactions } from '../../src/processor/slot-transactions';

/**
 * A broker as far as slots care: one transactional id per slot whose newest producer alone can commit,
 * and the group's committed offsets, which a commit moves.
 */
class FakeBroker {
  readonly committed = new Map<string, bigint>();
  readonly written: string[] = [];
  readonly newestEpoch = new Map<number, number>();
  readonly events: string[] = [];
  failNextCommit = false;
  /** Partitions the offsets answer leaves out, as kafkajs does for partitions its cached metadata does not know yet. */
  readonly unknownPartitions = new Set<string>();
  /** While set, transactions wait for it before they commit. */
  held?: Promise<void>;
  transactionsStarted = 0;

  producer(slot: number): SlotProducer {
    const epoch = (this.newestEpoch.get(slot) ?? 0) + 1;
    this.newestEpoch.set(slot, epoch);
    this.events.push(`open ${slot}#${epoch}`);
    return {
      commitTransaction: async (requests: readonly TopicRecords[], inputs: readonly InputPosition[]) => {
        this.transactionsStarted++;
        await (this.held ?? Promise.resolve());
        if (this.failNextCommit) {
          this.failNextCommit = false;
          throw new Error('the request timed out');
        }
        if (this.newestEpoch.get(slot) !== epoch) throw new Error(`producer ${slot}#${epoch} is fenced`);
        for (const request of requests) for (const m of request.messages) this.written.push(String(m.value));
        for (const input of inputs) this.committed.set(`${input.topic}:${input.partition}`, input.nextOffset);
        this.events.push(`commit ${slot}#${epoch} ${inputs.map((i) => `${i.topic}:${i.partition}@${i.nextOffset}`).join(' ')}`);
      },
      close: async () => {
        this.events.push(`close ${slot}#${epoch}`);
      },
    };
  }

  async offsets(topics: readonly string[]) {
    this.events.push(`read ${topics.join(',')}`);
    return topics.flatMap((topic) => [0, 1, 2, 3].filter((partition) => !this.unknownPartitions.has(`${topic}:${partition}`))
      .map((partition) => ({ topic, partition, offset: this.committed.get(`${topic}:${partition}`) })));
  }
}

const SLOTS = 4;
const quiet = createLogger({ write: () => undefined });
const member = (broker: FakeBroker) => new SlotTransactions({ slotCount: SLOTS, openProducer: async (slot) => broker.producer(slot), committedOffsets: (topics) => broker.offsets(topics), logger: quiet });

/** Processes offsets [from, to) of a partition as the Kafka adapter does: skips what is committed, commits the rest. */
function batch(member: SlotTransactions, topic: string, partition: number, from: number, to: number): Promise<number[]> {
  return member.commit(topic, partition, (next) => {
    const fresh = Array.from({ length: to - from }, (_, i) => from + i).filter((offset) => next === undefined || BigInt(offset) >= next);
    if (fresh.length === 0) return { result: fresh };
    return { write: { requests: [{ topic: 'sink', messages: fresh.map((offset) => ({ key: null, value: `${topic}:${partition}@${offset}` })) }], nextOffset: BigInt(to) }, result: fresh };
  });
}

describe('SlotTransactions', () => {
  test('opens a slot before its first batch and reads the committed offsets only after that', async () => {
    const broker = new FakeBroker();
    broker.committed.set('t:0', 5n);
    expect(await batch(member(broker), 't', 0, 0, 10)).toEqual([5, 6, 7, 8, 9]);
    const slot = slotOf('t', 0, SLOTS);
    expect(broker.events).toEqual([`open ${slot}#1`, 'read t', `commit ${slot}#1 t:0@10`]);
  });

  test('a new owner fences the old one, which can no longer commit; the new one skips what the old one committed', async () => {
    const broker = new FakeBroker();
    const a = member(broker);
    const b = member(broker);
    expect(await batch(a, 't', 0, 0, 10)).toHaveLength(10);
    // b takes the slot over; kafkajs gave it an older position than what a committed
    expect(await batch(b, 't', 0, 5, 20)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    // a, a zombie, still has a batch: it fails, and its slot is closed
    await expect(batch(a, 't', 0, 10, 30)).rejects.toThrow(/fenced/);
    // ...so its next try opens a new producer (fencing b) and starts where b ended
    expect(await batch(a, 't', 0, 10, 30)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    await expect(batch(b, 't', 0, 20, 40)).rejects.toThrow(/fenced/);
    expect(await batch(b, 't', 0, 20, 40)).toEqual(Array.from({ length: 10 }, (_, i) => 30 + i));
    expect(broker.written).toEqual(Array.from({ length: 40 }, (_, i) => `t:0@${i}`));
  });

  test('after a commit that failed without saying whether it committed, the slot reopens and reads the offsets again', async () => {
    const broker = new FakeBroker();
    const a = member(broker);
    await batch(a, 't', 0, 0, 10);
    broker.failNextCommit = true;
    await expect(batch(a, 't', 0, 10, 20)).rejects.toThrow(/timed out/);
    broker.committed.set('t:0', 15n); // say half of it had committed, somehow
    expect(await batch(a, 't', 0, 10, 20)).toEqual([15, 16, 17, 18, 19]);
    const slot = slotOf('t', 0, SLOTS);
    expect(broker.events.filter((e) => e.startsWith('open') || e.startsWith('close'))).toEqual([`open ${slot}#1`, `close ${slot}#1`, `open ${slot}#2`]);
  });

  test('the batches waiting for a slot commit together in its next transaction; other slots do not wait', async () => {
    const topics = Array.from({ length: 40 }, (_, i) => `t${i}`);
    const slot = slotOf('t0', 0, SLOTS);
    const sameSlot = topics.filter((t) => slotOf(t, 0, SLOTS) === slot).slice(0, 3);
    const otherSlot = topics.find((t) => slotOf(t, 0, SLOTS) !== slot)!;
    const broker = new FakeBroker();
    const slots = member(broker);
    await slots.assigned({ [sameSlot[0]]: [0] });
    const [first, ...others] = sameSlot;
    let release!: () => void;
    broker.held = new Promise((resolve) => { release = resolve; });
    // the first batch's transaction is under way when the others arrive: they wait, then go together
    const firstDone = batch(slots, first, 0, 0, 5);
    while (broker.transactionsStarted === 0) await new Promise((r) => setTimeout(r, 1));
    const othersDone = others.map((t) => batch(slots, t, 0, 0, 5));
    const otherSlotDone = batch(slots, otherSlot, 0, 0, 5);
    while (broker.transactionsStarted < 2) await new Promise((r) => setTimeout(r, 1));
    expect(broker.events.filter((e) => e.startsWith('commit'))).toEqual([]);
    release();
    expect((await Promise.all([firstDone, ...othersDone, otherSlotDone])).map((fresh) => fresh.length)).toEqual([5, 5, 5, 5]);
    const commits = broker.events.filter((e) => e.startsWith('commit'));
    expect(commits).toContain(`commit ${slot}#1 ${first}:0@5`);
    expect(commits).toContain(`commit ${slot}#1 ${others.map((t) => `${t}:0@5`).join(' ')}`);
    expect(commits.filter((e) => e.startsWith(`commit ${slot}#`))).toHaveLength(2);
  });

  test('when a transaction of several batches fails, they all fail, and all run again on a new producer', async () => {
    const topics = Array.from({ length: 40 }, (_, i) => `t${i}`);
    const slot = slotOf('t0', 0, SLOTS);
    const [first, second, third] = topics.filter((t) => slotOf(t, 0, SLOTS) === slot);
    const broker = new FakeBroker();
    const slots = member(broker);
    await batch(slots, first, 0, 0, 5);
    broker.failNextCommit = true;
    const failing = [batch(slots, second, 0, 0, 5), batch(slots, third, 0, 0, 5)];
    for (const result of await Promise.allSettled(failing)) expect(result.status).toBe('rejected');
    expect(await Promise.all([batch(slots, second, 0, 0, 5), batch(slots, third, 0, 0, 5)])).toEqual([[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]);
    expect(broker.events.filter((e) => e.startsWith('open') || e.startsWith('close'))).toEqual([`open ${slot}#1`, `close ${slot}#1`, `open ${slot}#2`]);
  });

  test('a new assignment opens the slots the member got and closes the ones it lost', async () => {
    const broker = new FakeBroker();
    const slots = member(broker);
    const topics = Array.from({ length: 12 }, (_, i) => `t${i}`);
    const assignment = (names: string[]) => Object.fromEntries(names.map((t) => [t, [0]]));
    await slots.assigned(assignment(topics));
    const all = [...new Set(topics.map((t) => slotOf(t, 0, SLOTS)))].sort();
    expect(slots.ownedSlots()).toEqual(all);
    expect(broker.events.filter((e) => e.startsWith('open')).length).toBe(all.length);
    const kept = topics.filter((t) => slotOf(t, 0, SLOTS) === all[0]);
    broker.events.length = 0;
    await slots.assigned(assignment(kept));
    expect(slots.ownedSlots()).toEqual([all[0]]);
    expect(broker.events.sort()).toEqual(all.slice(1).map((slot) => `close ${slot}#1`).sort());
    broker.events.length = 0;
    await slots.closeAll();
    expect(broker.events).toEqual([`close ${all[0]}#1`]);
  });

  test('a partition the offsets answer leaves out is not taken as one without committed offsets: its batch fails and runs again once it is known', async () => {
    const broker = new FakeBroker();
    const first = member(broker);
    expect(await batch(first, 'orders', 3, 0, 5)).toEqual([0, 1, 2, 3, 4]);
    // a second member takes the slot over and reads the offsets while its metadata lacks partition 3
    const second = member(broker);
    broker.unknownPartitions.add('orders:3');
    await expect(batch(second, 'orders', 3, 0, 8)).rejects.toThrow(/committed offsets of orders:3 are not known yet/);
    broker.unknownPartitions.clear();
    expect(await batch(second, 'orders', 3, 0, 8)).toEqual([5, 6, 7]);
    expect(broker.written.filter((v) => v.startsWith('orders:3@')).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((o) => `orders:3@${o}`).sort());
  });
});
