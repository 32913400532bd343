import { Gauge, Registry } from 'prom-client';

/**
 * `tenant_cdc_slot_lag{slot}`: with exactly-once, the records behind the end of a slot's input partitions,
 * summed over the partitions as of each one's last batch. A slot is what moves between replicas and what
 * one transactional producer commits, so a slot that falls behind shows here whichever tenants it holds.
 */
export class SlotLag {
  private readonly gauge: Gauge<'slot'>;
  /** Each slot's partitions (`topic:partition`) with their lag at their last batch. */
  private readonly partitions = new Map<number, Map<string, number>>();

  constructor(registry: Registry) {
    this.gauge = new Gauge({
      name: 'tenant_cdc_slot_lag',
      help: 'Exactly-once: records behind the end of each slot\'s input partitions, summed over the partitions at each one\'s last batch',
      labelNames: ['slot'],
      registers: [registry],
    });
  }

  /** A batch of the slot's partition ended `lag` records behind its end. */
  set(slot: number, topic: string, partition: number, lag: number): void {
    let lags = this.partitions.get(slot);
    if (!lags) this.partitions.set(slot, (lags = new Map()));
    lags.set(`${topic}:${partition}`, lag);
    let sum = 0;
    for (const value of lags.values()) sum += value;
    this.gauge.set({ slot: String(slot) }, sum);
  }

  /** Forgets every slot: after a rebalance the slots may be another replica's, whose lag this one no longer sees. */
  reset(): void {
    this.partitions.clear();
    this.gauge.reset();
  }
}
