import type { Logger } from './logger';
import type { TopicRecords } from './record-batches';
import { slotOf } from './slots';

/**
 * Exactly-once across rebalances and zombies, without KIP-447 (kafkajs has none): the transactions of every
 * input partition go through its slot's producer (slots.ts), whose transactional id every member shares.
 *
 * Why no record is written twice or lost: a slot's producer is opened by initializing its transactional id,
 * which fences every earlier producer of the slot (their sends and commits fail from then on) and ends the
 * transaction one of them left open (committed if it was committing, else aborted). Only after that are
 * the committed offsets of the slot's partitions read, and a batch's records below them are skipped (a
 * previous owner committed them; kafkajs may have read the offsets before the fence). Each batch's outputs
 * and its next input offset then commit in one transaction. So a transaction commits only while its
 * producer is the slot's newest, and it starts exactly where the last committed one ended. A transaction
 * that fails, however it failed, closes the producer: the next try opens a new one, which ends that
 * transaction either way and reads the offsets again. This holds whoever owns the slot; the assignment
 * (whole slots per member, slot-assigner.ts) only keeps two members from taking a slot away from each other.
 *
 * A slot commits the batches that wait for it together, in one transaction (a fleet's thousands of
 * partitions bring many small batches; a transaction each would take seconds per fetch).
 *
 * No kafkajs here: the Kafka adapter supplies the producers and the offsets.
 */

/** The next input offset to commit for a partition. */
export interface InputPosition {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: bigint;
}

/** One slot's transactional producer. */
export interface SlotProducer {
  /** Sends the records and commits the input positions in one transaction; throws unless it committed. */
  commitTransaction(requests: readonly TopicRecords[], inputs: readonly InputPosition[]): Promise<void>;
  close(): Promise<void>;
}

export interface SlotTransactionsOptions {
  readonly slotCount: number;
  /** Opens slot k's producer; resolves once the slot's earlier producers are fenced and their transaction ended. */
  readonly openProducer: (slot: number) => Promise<SlotProducer>;
  /** The consumer group's committed offsets of the topics' partitions; undefined where none is committed. */
  readonly committedOffsets: (topics: readonly string[]) => Promise<ReadonlyArray<{ topic: string; partition: number; offset: bigint | undefined }>>;
  readonly logger: Logger;
}

/** What a batch writes, given the first offset of its partition not committed yet. */
export interface BatchWrite<T> {
  /** Nothing when every record of the batch is committed already. */
  readonly write?: { readonly requests: readonly TopicRecords[]; readonly nextOffset: bigint };
  /** What `commit` resolves with, once the transaction committed. */
  readonly result: T;
}

/** A batch waiting for its slot's next transaction. */
interface Pending {
  readonly topic: string;
  readonly partition: number;
  readonly prepare: (nextOffset: bigint | undefined) => BatchWrite<unknown>;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface OpenSlot {
  readonly producer: SlotProducer;
  /** By `topic:partition`: read once after the producer fenced its predecessors, then advanced by its own commits. */
  readonly nextOffsets: Map<string, bigint | undefined>;
}

export class SlotTransactions {
  private readonly open = new Map<number, OpenSlot>();
  /** The batches waiting for each slot's next transaction. */
  private readonly waiting = new Map<number, Pending[]>();
  /** The tail of each slot's work: one transaction (or open, or close) at a time per slot. */
  private readonly queues = new Map<number, Promise<unknown>>();
  private assignment: ReadonlyMap<string, readonly number[]> = new Map();

  constructor(private readonly options: SlotTransactionsOptions) {}

  /** The slots of the member's current assignment. */
  ownedSlots(): number[] {
    return [...this.slotsOf(this.assignment).keys()].sort((a, b) => a - b);
  }

  /**
   * Commits a batch of one input partition in its slot's next transaction, with the other batches of the
   * slot waiting by then. `prepare` gets the partition's first offset not committed yet (undefined: none
   * is) and says what to write; records below that offset were written by a previous owner of the slot.
   */
  commit<T>(topic: string, partition: number, prepare: (nextOffset: bigint | undefined) => BatchWrite<T>): Promise<T> {
    const slot = slotOf(topic, partition, this.options.slotCount);
    return new Promise<T>((resolve, reject) => {
      const waiting = this.waiting.get(slot);
      const pending: Pending = { topic, partition, prepare, resolve: resolve as (result: unknown) => void, reject };
      if (waiting) {
        waiting.push(pending);
        return;
      }
      this.waiting.set(slot, [pending]);
      void this.queued(slot, () => this.commitWaiting(slot));
    });
  }

  /**
   * The member has a new assignment: it closes the producers of the slots it lost, and opens those of the
   * slots it got now rather than at their first batch, which ends what their previous owner left open
   * (a crashed owner's open transaction would hold back the final topic's read_committed readers).
   */
  async assigned(assignment: Readonly<Record<string, readonly number[]>>): Promise<void> {
    this.assignment = new Map(Object.entries(assignment));
    const owned = this.slotsOf(this.assignment);
    const lost = [...this.open.keys()].filter((slot) => !owned.has(slot));
    await Promise.all([
      ...lost.map((slot) => this.queued(slot, () => this.close(slot))),
      ...[...owned.keys()].map((slot) => this.queued(slot, () => this.opened(slot)).catch((error) => {
        this.options.logger.warn('could not open a slot\'s producer; its first batch will try again', { slot, error });
      })),
    ]);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((slot) => this.queued(slot, () => this.close(slot))));
  }

  /** Commits the batches waiting for the slot in one transaction. If anything fails they all fail; if the transaction did, the slot closes too. */
  private async commitWaiting(slot: number): Promise<void> {
    const batches = this.waiting.get(slot) ?? [];
    this.waiting.delete(slot);
    try {
      const open = await this.opened(slot);
      const known = (b: Pending) => open.nextOffsets.has(`${b.topic}:${b.partition}`);
      const unknown = batches.filter((b) => !known(b));
      if (unknown.length > 0) await this.readCommittedOffsets(slot, open, unknown.map((b) => b.topic));
      // a partition the answer left out is not one without a committed offset: writing its batch whole could repeat it
      const missing = batches.filter((b) => !known(b));
      if (missing.length > 0) throw new Error(`the committed offsets of ${missing.map((b) => `${b.topic}:${b.partition}`).join(', ')} are not known yet; the batches run again`);
      const writes = batches.map((b) => b.prepare(open.nextOffsets.get(`${b.topic}:${b.partition}`)));
      const inputs: InputPosition[] = [];
      const requests: TopicRecords[] = [];
      batches.forEach((b, i) => {
        const write = writes[i].write;
        if (!write) return;
        inputs.push({ topic: b.topic, partition: b.partition, nextOffset: write.nextOffset });
        requests.push(...write.requests);
      });
      if (inputs.length > 0) {
        try {
          await open.producer.commitTransaction(requests, inputs);
        } catch (error) {
          await this.close(slot);
          throw error;
        }
        for (const input of inputs) open.nextOffsets.set(`${input.topic}:${input.partition}`, input.nextOffset);
      }
      batches.forEach((b, i) => b.resolve(writes[i].result));
    } catch (error) {
      for (const b of batches) b.reject(error);
    }
  }

  private async opened(slot: number): Promise<OpenSlot> {
    let open = this.open.get(slot);
    if (!open) {
      open = { producer: await this.options.openProducer(slot), nextOffsets: new Map() };
      this.open.set(slot, open);
    }
    return open;
  }

  private async close(slot: number): Promise<void> {
    const open = this.open.get(slot);
    if (!open) return;
    this.open.delete(slot);
    await open.producer.close().catch((error) => this.options.logger.warn('could not close a slot\'s producer', { slot, error }));
  }

  /** Reads the committed offsets of the slot's partitions: of its assigned topics, and of `topics`. */
  private async readCommittedOffsets(slot: number, open: OpenSlot, topics: readonly string[]): Promise<void> {
    const wanted = new Set([...topics, ...(this.slotsOf(this.assignment).get(slot) ?? [])]);
    for (const committed of await this.options.committedOffsets([...wanted].sort())) {
      const key = `${committed.topic}:${committed.partition}`;
      if (slotOf(committed.topic, committed.partition, this.options.slotCount) === slot && !open.nextOffsets.has(key)) open.nextOffsets.set(key, committed.offset);
    }
  }

  /** The slots of an assignment, each with the topics it has partitions of. */
  private slotsOf(assignment: ReadonlyMap<string, readonly number[]>): Map<number, Set<string>> {
    const slots = new Map<number, Set<string>>();
    for (const [topic, partitions] of assignment) {
      for (const partition of partitions) {
        const slot = slotOf(topic, partition, this.options.slotCount);
        if (!slots.has(slot)) slots.set(slot, new Set());
        slots.get(slot)!.add(topic);
      }
    }
    return slots;
  }

  private queued<T>(slot: number, work: () => Promise<T>): Promise<T> {
    const turn = (this.queues.get(slot) ?? Promise.resolve()).then(work);
    const tail = turn.catch(() => undefined);
    this.queues.set(slot, tail);
    void tail.then(() => {
      if (this.queues.get(slot) === tail) this.queues.delete(slot);
    });
    return turn;
  }
}
