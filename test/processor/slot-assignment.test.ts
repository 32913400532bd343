import { describe, expect, test } from 'vitest';
import { assignSlots, SlotMember } from '../../src/processor/slot-assignment';
import { slotOf, slotTransactionalId } from '../../src/processor/slots';

/** A small deterministic pseudo-random generator, so every run checks the same cases. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sizes = (assignment: Map<string, number[]>) => [...assignment.values()].map((slots) => slots.length);

describe('slotOf', () => {
  test('is the same for the same partition, within the slot count, and spreads a fleet\'s topics evenly', () => {
    expect(slotOf('acme.AcmeProd.dbo.Orders', 0, 32)).toBe(slotOf('acme.AcmeProd.dbo.Orders', 0, 32));
    const perSlot = new Array(32).fill(0);
    for (let t = 0; t < 1000; t++) perSlot[slotOf(`tenant${t}.Db.dbo.Orders`, 0, 32)]++;
    // about 31 each; a uniform hash stays well within these bounds
    expect(Math.min(...perSlot)).toBeGreaterThanOrEqual(12);
    expect(Math.max(...perSlot)).toBeLessThanOrEqual(55);
    for (let p = 0; p < 100; p++) expect(slotOf('t', p, 7)).toBeGreaterThanOrEqual(0);
    expect(new Set(range(100).map((p) => slotOf('t', p, 7)))).toEqual(new Set(range(7)));
  });

  test('names one transactional id per slot, the same on every member', () => {
    expect(slotTransactionalId('tenant-cdc-processor', 5)).toBe('tenant-cdc-processor-slot-5');
  });
});

describe('assignSlots', () => {
  test('gives every slot to exactly one member, balanced, whatever was owned before', () => {
    const next = random(7);
    for (let round = 0; round < 500; round++) {
      const slots = range(64).filter(() => next() < 0.7);
      const members: SlotMember[] = range(1 + Math.floor(next() * 7)).map((m) => ({ id: `m${m}`, owned: range(64).filter(() => next() < 0.3) }));
      const assignment = assignSlots(slots, members);
      expect([...assignment.keys()].sort()).toEqual(members.map((m) => m.id).sort());
      expect([...assignment.values()].flat().sort((a, b) => a - b)).toEqual(slots);
      expect(Math.max(...sizes(assignment)) - Math.min(...sizes(assignment))).toBeLessThanOrEqual(1);
    }
  });

  test('is deterministic: the same members in another order get the same slots', () => {
    const members: SlotMember[] = [{ id: 'b', owned: [1, 2, 3] }, { id: 'a', owned: [3, 4] }, { id: 'c', owned: [] }];
    const once = assignSlots(range(10), members);
    expect(assignSlots(range(10), [...members].reverse())).toEqual(once);
    expect(assignSlots(range(10), [members[1], members[2], members[0]])).toEqual(once);
    expect(once).toEqual(assignSlots(range(10), members));
  });

  test('sticky: a joining member takes only its share, and the others keep the rest of theirs', () => {
    const slots = range(32);
    const two = assignSlots(slots, [{ id: 'a', owned: [] }, { id: 'b', owned: [] }]);
    const three = assignSlots(slots, [{ id: 'a', owned: two.get('a')! }, { id: 'b', owned: two.get('b')! }, { id: 'c', owned: [] }]);
    expect(sizes(three).sort()).toEqual([10, 11, 11]);
    for (const id of ['a', 'b']) for (const slot of three.get(id)!) expect(two.get(id)).toContain(slot);
    // what moved is exactly what the new member got
    expect(three.get('c')).toHaveLength(32 - three.get('a')!.length - three.get('b')!.length);
  });

  test('sticky: when a member leaves, the others keep all of theirs and share its slots', () => {
    const slots = range(32);
    const three = assignSlots(slots, ['a', 'b', 'c'].map((id) => ({ id, owned: [] })));
    const two = assignSlots(slots, [{ id: 'a', owned: three.get('a')! }, { id: 'c', owned: three.get('c')! }]);
    for (const id of ['a', 'c']) expect(two.get(id)).toEqual(expect.arrayContaining(three.get(id)!));
    expect(sizes(two)).toEqual([16, 16]);
  });

  test('a slot two members claim goes to one of them; slots without partitions are not assigned', () => {
    const assignment = assignSlots([1, 2, 3, 4], [{ id: 'a', owned: [1, 2, 9] }, { id: 'b', owned: [2, 3] }]);
    expect(assignment.get('a')).toEqual([1, 2]);
    expect(assignment.get('b')).toEqual([3, 4]);
  });

  test('more members than slots: some get none', () => {
    const assignment = assignSlots([5], [{ id: 'a', owned: [] }, { id: 'b', owned: [5] }]);
    expect(assignment).toEqual(new Map([['a', []], ['b', [5]]]));
    expect(assignSlots([], [{ id: 'a', owned: [1] }])).toEqual(new Map([['a', []]]));
  });
});
