/**
 * Which consumer-group member owns which exactly-once slot (see slots.ts): a pure function of the slots
 * that have partitions and of the members, with what each member owned before.
 *
 * - Whole slots only: a slot's partitions are never split, so one producer serves a slot.
 * - Balanced: each member gets ⌊n/m⌋ or ⌈n/m⌉ of the n slots.
 * - Sticky: a member keeps the slots it owned, up to its share; only the surplus moves, so a rebalance
 *   fences (and reopens) as few slots as it must.
 * - Deterministic: the same slots and members (in any order) give the same assignment.
 */

export interface SlotMember {
  readonly id: string;
  /** The slots it owned before this rebalance, as it says. */
  readonly owned: readonly number[];
}

/** Assigns every slot in `slots` to one of `members` (at least one). */
export function assignSlots(slots: readonly number[], members: readonly SlotMember[]): Map<string, number[]> {
  const sorted = [...members].sort((a, b) => compare(a.id, b.id));
  const free = new Set(slots);
  // a slot two members claim (one of them was cut off from the group for a while) goes to the first in id order
  const kept = new Map<string, number[]>();
  for (const member of sorted) {
    const claims = [...new Set(member.owned)].filter((slot) => free.has(slot)).sort((a, b) => a - b);
    for (const slot of claims) free.delete(slot);
    kept.set(member.id, claims);
  }
  // the members that keep the most get the larger shares, so fewer slots move
  const base = Math.floor(slots.length / sorted.length);
  const larger = slots.length % sorted.length;
  const byClaims = [...sorted].sort((a, b) => kept.get(b.id)!.length - kept.get(a.id)!.length || compare(a.id, b.id));
  const share = new Map(byClaims.map((member, i) => [member.id, base + (i < larger ? 1 : 0)]));
  for (const member of sorted) {
    const claims = kept.get(member.id)!;
    for (const slot of claims.splice(share.get(member.id)!)) free.add(slot);
  }
  const unowned = [...free].sort((a, b) => a - b);
  for (const member of sorted) {
    const slotsOfMember = kept.get(member.id)!;
    slotsOfMember.push(...unowned.splice(0, share.get(member.id)! - slotsOfMember.length));
    slotsOfMember.sort((a, b) => a - b);
  }
  return new Map(sorted.map((member) => [member.id, kept.get(member.id)!]));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
