import { Consumer, Kafka, logLevel } from 'kafkajs';
import { CHANGED_TABLE, FIRST_CHANGE_ID } from './fleet-tenants';

/** The first arrival of a bench change on the final topic. */
export interface Arrival {
  /** Commit time in the tenant database (the event's `source.committedAt`), ms; a snapshot row's is the snapshot's. */
  readonly committedAt: number;
  /** It came as a snapshot row, not as a change event. */
  readonly inSnapshot: boolean;
  /** Timestamp of the final topic's record: when the processor produced it, ms. */
  readonly producedAt: number;
  /** How many times it arrived (more than once after a crash: at-least-once). */
  count: number;
}

/**
 * Reads the processor's final topic from the start for the whole run and keeps, per tenant, how many
 * snapshot rows arrived and the arrivals of the bench's own changes (inserts into `orders` with ids from
 * FIRST_CHANGE_ID), by the tenant and row id the processor wrote.
 */
export class FinalTopicWatcher {
  private readonly consumer: Consumer;
  private readonly snapshotRows = new Map<string, number>();
  private readonly changes = new Map<string, Arrival>();

  constructor(brokers: readonly string[], private readonly topic: string) {
    const kafka = new Kafka({ clientId: 'bench-fleet-watcher', brokers: [...brokers], logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `bench-fleet-watcher-${Date.now()}`, allowAutoTopicCreation: false });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) this.record(message.value?.toString(), Number(message.timestamp));
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  /** Snapshot rows (op `read`) of a tenant so far, repeats included (bench changes in a repeated snapshot too). */
  snapshotRowsOf(tenant: string): number {
    return this.snapshotRows.get(tenant) ?? 0;
  }

  /** The arrival of the change that inserted row `id` in a tenant's `orders`, if it came. */
  arrival(tenant: string, id: number): Arrival | undefined {
    return this.changes.get(`${tenant}/${id}`);
  }

  private record(value: string | undefined, producedAt: number): void {
    if (!value) return;
    let event: any;
    try {
      event = JSON.parse(value);
    } catch {
      return; // not the processor's output; nothing the bench wrote
    }
    if (event.op === 'read') this.snapshotRows.set(event.tenant, (this.snapshotRows.get(event.tenant) ?? 0) + 1);
    const id = Number(event.key?.id);
    // a change arrives as a create, or as a snapshot row when its tenant is snapshotted again (no offsets yet)
    if (!['create', 'read'].includes(event.op) || event.table !== CHANGED_TABLE || !(id >= FIRST_CHANGE_ID)) return;
    const key = `${event.tenant}/${id}`;
    const seen = this.changes.get(key);
    if (seen) seen.count++;
    else this.changes.set(key, { committedAt: Number(event.source.committedAt), producedAt, inSnapshot: event.op === 'read', count: 1 });
  }
}
