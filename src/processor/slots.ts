import { createHash } from 'crypto';

/**
 * Exactly-once slots. Every input partition belongs to one of a fixed number of slots; a slot is the unit
 * the consumer group assigns (all its partitions go to one member) and has one transactional producer,
 * whose transactional id is the same on every member. So whoever owns a slot next fences whoever owned it
 * before, and a fleet of thousands of partitions needs only a few dozen producers.
 */

/** The slot of an input partition: a hash of `topic:partition`, the same on every member and every run. */
export function slotOf(topic: string, partition: number, slotCount: number): number {
  return createHash('sha256').update(`${topic}:${partition}`).digest().readUInt32BE(0) % slotCount;
}

/** The transactional id of a slot: the same on every member, so a slot's new owner fences its old one. */
export function slotTransactionalId(groupId: string, slot: number): string {
  return `${processorSlotTransactionalIdPrefix(groupId)}${slot}`;
}

/** What every slot's transactional id of a group starts with: the processor's ACLs allow this prefix. */
export function processorSlotTransactionalIdPrefix(groupId: string): string {
  return `${groupId}-slot-`;
}
