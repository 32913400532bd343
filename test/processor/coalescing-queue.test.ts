import { describe, expect, test } from 'vitest';
import { CoalescingQueue } from '../../src/processor/coalescing-queue';

describe('CoalescingQueue', () => {
  test('what arrives while a flush runs goes in the next flush, all of it at once', async () => {
    const flushes: number[][] = [];
    let release!: () => void;
    const queue = new CoalescingQueue<number>(async (items) => {
      flushes.push(items);
      if (flushes.length === 1) await new Promise<void>((resolve) => { release = resolve; });
    });
    const first = queue.add(1);
    const later = [2, 3, 4].map((n) => queue.add(n));
    await new Promise((r) => setTimeout(r, 1));
    expect(flushes).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(flushes).toEqual([[1], [2, 3, 4]]);
  });

  test('a failed flush fails everything in it, and the queue goes on', async () => {
    let fail = true;
    const queue = new CoalescingQueue<string>(async () => {
      if (fail) throw new Error('broker down');
    });
    const results = await Promise.allSettled([queue.add('a'), queue.add('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(queue.add('c')).resolves.toBeUndefined();
  });
});
