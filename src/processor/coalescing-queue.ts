/**
 * Hands everything that arrived while the previous flush ran to one flush. The processor's batches are one
 * per input partition; a fleet's thousands of partitions bring hundreds of small ones per fetch, and a
 * produce request each would take seconds per fetch. Together they go in a few requests.
 */
export class CoalescingQueue<T> {
  private waiting: Array<{ readonly item: T; readonly resolve: () => void; readonly reject: (error: unknown) => void }> = [];
  private flushing = false;

  constructor(private readonly flush: (items: T[]) => Promise<void>) {}

  /** Resolves once a flush that contains `item` succeeded; rejects with that flush's error. */
  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.flushing) void this.flushAll();
    });
  }

  private async flushAll(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      try {
        await this.flush(group.map((w) => w.item));
        for (const w of group) w.resolve();
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    this.flushing = false;
  }
}
