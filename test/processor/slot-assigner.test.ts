import { AssignerProtocol, Cluster, Logger } from 'kafkajs';
import { describe, expect, test, vi } from 'vitest';
import { SLOT_ASSIGNER_NAME, slotAssigner } from '../../src/processor/slot-assigner';
import { slotOf } from '../../src/processor/slots';

/** A fleet: 300 per-tenant topics of 1 partition and one topic of 12 partitions. */
const PARTITIONS: Record<string, number> = { 'big.Db.dbo.events': 12 };
for (let t = 0; t < 300; t++) PARTITIONS[`tenant${t}.Db.dbo.orders`] = 1;
const TOPICS = Object.keys(PARTITIONS);
const SLOTS = 32;

const cluster = { findTopicPartitionMetadata: (topic: string) => Array.from({ length: PARTITIONS[topic] }, (_, partitionId) => ({ partitionId })) } as unknown as Cluster;
const logger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), namespace: vi.fn(), setLogLevel: vi.fn() }) as unknown as Logger;

/** A member as the leader sees it: its id and the group metadata its assigner wrote. */
function member(memberId: string, owned: readonly number[], slotCount = SLOTS) {
  const assigner = slotAssigner({ slotCount, ownedSlots: () => owned })({ cluster, groupId: 'g', logger: logger() });
  return { memberId, memberMetadata: assigner.protocol({ topics: TOPICS }).metadata };
}

async function assign(members: Array<{ memberId: string; memberMetadata: Buffer }>, log = logger()) {
  const leader = slotAssigner({ slotCount: SLOTS, ownedSlots: () => [] })({ cluster, groupId: 'g', logger: log });
  const result = await leader.assign({ members, topics: TOPICS });
  return new Map(result.map(({ memberId, memberAssignment }) => [memberId, AssignerProtocol.MemberAssignment.decode(memberAssignment)!.assignment]));
}

function slotsOf(assignment: Record<string, number[]>): number[] {
  return [...new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => slotOf(topic, p, SLOTS))))].sort((a, b) => a - b);
}

describe('the slot assigner (kafkajs PartitionAssigner)', () => {
  test('assigns every partition once, never splits a slot, and balances slots', async () => {
    const assignments = await assign([member('m-1', []), member('m-2', []), member('m-3', [])]);
    const owner = new Map<string, string>();
    for (const [memberId, assignment] of assignments) {
      for (const [topic, partitions] of Object.entries(assignment)) {
        for (const partition of partitions) {
          expect(owner.has(`${topic}:${partition}`)).toBe(false);
          owner.set(`${topic}:${partition}`, memberId);
        }
      }
    }
    expect(owner.size).toBe(300 + 12);
    const ownerOfSlot = new Map<number, string>();
    for (const [key, memberId] of owner) {
      const [topic, partition] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
      const slot = slotOf(topic, partition, SLOTS);
      expect(ownerOfSlot.get(slot) ?? memberId, `slot ${slot} is split`).toBe(memberId);
      ownerOfSlot.set(slot, memberId);
    }
    const counts = [...assignments.values()].map((a) => slotsOf(a).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  test('is deterministic and sticky through the group metadata: a new member takes only its share', async () => {
    const first = await assign([member('m-1', []), member('m-2', [])]);
    expect(await assign([member('m-2', []), member('m-1', [])])).toEqual(first);
    const owned = (id: string) => slotsOf(first.get(id)!);
    const second = await assign([member('m-1', owned('m-1')), member('m-2', owned('m-2')), member('m-3', [])]);
    for (const id of ['m-1', 'm-2']) for (const slot of slotsOf(second.get(id)!)) expect(owned(id)).toContain(slot);
    expect(slotsOf(second.get('m-3')!)).toHaveLength(10);
  });

  test('a member with another slot count, or metadata it cannot read, gets nothing', async () => {
    const log = logger();
    const foreign = { memberId: 'm-0', memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics: TOPICS, userData: Buffer.from('?') }) };
    const assignments = await assign([member('m-1', []), member('m-2', [], 64), foreign], log);
    expect(assignments.get('m-2')).toEqual({});
    expect(assignments.get('m-0')).toEqual({});
    expect(slotsOf(assignments.get('m-1')!)).toHaveLength(SLOTS);
    expect(log.warn).toHaveBeenCalledTimes(2);
  });

  test('has one protocol name on every member', () => {
    expect(slotAssigner({ slotCount: SLOTS, ownedSlots: () => [] })({ cluster, groupId: 'g', logger: logger() }).name).toBe(SLOT_ASSIGNER_NAME);
  });
});
