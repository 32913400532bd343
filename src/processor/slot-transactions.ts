import type { Logger } from './logger';
import type { OutgoingRecord } from './record-batches';
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
 * that fails, however it failed, closes the producer: the next batch opens a new one, which ends that
 * transaction either way and reads the offsets again. This holds whoever owns the slot; the assignment
 * (whole slots per member, slot-assigner.ts) only keeps two members from taking a slot away from each other.
 *
 * No kafkajs here: the Kafka adapter supplies the producers and the offsets.
 */

/** What one batch writes: records for one topic. */
export interface TopicRecords {
  readonly topic: string;
  readonly messages: OutgoingRecord[];
}

/** The next input offset to commit for a partition. */
export interface InputPosition {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: bigint;
}

/** One slot's transactional producer. */
export interface SlotProducer {
  /** Sends the records and commits the input position in one transaction; throws unless it committed. */
  commitTransaction(requests: readonly TopicRecords[], input: InputPosition): Promise<void>;
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

/** A batch's view of its slot, while it holds it. */
export interface SlotTurn {
  /** The partition's first offset not yet committed; records below it are done. Undefined: nothing committed yet. */
  nextOffset(): Promise<bigint | undefined>;
  /** Sends the records and commits the input position in one transaction (see SlotProducer). */
  commit(requests: readonly TopicRecords[], nextOffset: bigint): Promise<void>;
}

interface OpenSlot {
  readonly producer: SlotProducer;
  /** By `topic:partition`: read once after the producer fenced its predecessors, then advanced by its own commits. */
  readonly nextOffsets: Map<string, bigint | undefined>;
}

export class SlotTransactions {
  private readonly open = new Map<number, OpenSlot>();
  /** The tail of each slot's queue: batches of one slot take turns, as one producer runs one transaction at a time. */
  private readonly queues = new Map<number, Promise<unknown>>();
  private assignment: ReadonlyMap<string, readonly number[]> = new Map();

  constructor(private readonly options: SlotTransactionsOptions) {}

  /** The slots of the member's current assignment. */
  ownedSlots(): number[] {
    return [...this.slotsOf(this.assignment).keys()].sort((a, b) => a - b);
  }

  /** Runs `work` for a batch of one input partition when its slot's earlier batches are done. */
  inSlot<T>(topic: string, partition: number, work: (turn: SlotTurn) => Promise<T>): Promise<T> {
    const slot = slotOf(topic, partition, this.options.slotCount);
    const key = `${topic}:${partition}`;
    return this.queued(slot, async () => {
      const open = await this.opened(slot);
      return work({
        nextOffset: async () => {
          if (!open.nextOffsets.has(key)) await this.readCommittedOffsets(slot, open, topic);
          return open.nextOffsets.get(key);
        },
        commit: async (requests, nextOffset) => {
          try {
            await open.producer.commitTransaction(requests, { topic, partition, nextOffset });
          } catch (error) {
            await this.close(slot, open);
            throw error;
          }
          open.nextOffsets.set(key, nextOffset);
        },
      });
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
      ...lost.map((slot) => this.queued(slot, async () => {
        const open = this.open.get(slot);
        if (open) await this.close(slot, open);
      })),
      ...[...owned.keys()].map((slot) => this.queued(slot, () => this.opened(slot)).catch((error) => {
        this.options.logger.warn('could not open a slot\'s producer; its first batch will try again', { slot, error });
      })),
    ]);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((slot) => this.queued(slot, async () => {
      const open = this.open.get(slot);
      if (open) await this.close(slot, open);
    })));
  }

  private async opened(slot: number): Promise<OpenSlot> {
    let open = this.open.get(slot);
    if (!open) {
      open = { producer: await this.options.openProducer(slot), nextOffsets: new Map() };
      this.open.set(slot, open);
    }
    return open;
  }

  private async close(slot: number, open: OpenSlot): Promise<void> {
    if (this.open.get(slot) === open) this.open.delete(slot);
    await open.producer.close().catch((error) => this.options.logger.warn('could not close a slot\'s producer', { slot, error }));
  }

  /** Reads the committed offsets of the slot's partitions: of the assigned topics in the slot, and of `topic`. */
  private async readCommittedOffsets(slot: number, open: OpenSlot, topic: string): Promise<void> {
    const topics = new Set([topic, ...(this.slotsOf(this.assignment).get(slot) ?? [])]);
    for (const committed of await this.options.committedOffsets([...topics].sort())) {
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
