/**
 * The consumer group's partition assigner in exactly-once mode: assignSlots (slot-assignment.ts) behind
 * kafkajs's assigner interface. Besides kafka.ts, the only module that imports kafkajs, for the types and
 * the group-metadata encoding of the interface it implements.
 *
 * Every member tells the leader, in its group metadata, its slot count and the slots it owns now; the leader
 * gives each member whole slots (every partition of a slot), keeping members on their slots where it can.
 * A member with another slot count (a deployment that changes EXACTLY_ONCE_SLOTS while old members still
 * run) gets nothing: it would map partitions to other transactional ids, which do not fence each other.
 */
import { AssignerProtocol, PartitionAssigner } from 'kafkajs';
import { assignSlots, SlotMember } from './slot-assignment';
import { slotOf } from './slots';

export const SLOT_ASSIGNER_NAME = 'TenantCdcSlotAssigner';
const VERSION = 0;

/** What a member says about itself in its group metadata. */
interface SlotUserData {
  readonly slotCount: number;
  readonly owned: readonly number[];
}

export interface SlotAssignerOptions {
  readonly slotCount: number;
  /** The slots this member owns now (from its last assignment), so the leader can leave them where they are. */
  readonly ownedSlots: () => readonly number[];
}

export function slotAssigner(options: SlotAssignerOptions): PartitionAssigner {
  return ({ cluster, logger }) => ({
    name: SLOT_ASSIGNER_NAME,
    version: VERSION,

    protocol({ topics }) {
      const userData: SlotUserData = { slotCount: options.slotCount, owned: [...options.ownedSlots()] };
      return { name: SLOT_ASSIGNER_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: Buffer.from(JSON.stringify(userData)) }) };
    },

    async assign({ members, topics }) {
      const partitionsBySlot = new Map<number, Array<{ topic: string; partition: number }>>();
      for (const topic of topics) {
        for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
          const slot = slotOf(topic, partitionId, options.slotCount);
          if (!partitionsBySlot.has(slot)) partitionsBySlot.set(slot, []);
          partitionsBySlot.get(slot)!.push({ topic, partition: partitionId });
        }
      }
      const candidates: SlotMember[] = [];
      for (const { memberId, memberMetadata } of members) {
        const said = userDataOf(memberMetadata);
        if (said?.slotCount === options.slotCount) candidates.push({ id: memberId, owned: said.owned });
        else logger.warn('a member has another slot count; it gets no partitions until it runs with the same EXACTLY_ONCE_SLOTS', { memberId, its: said?.slotCount, ours: options.slotCount });
      }
      const slotsByMember = assignSlots([...partitionsBySlot.keys()], candidates);
      return members.map(({ memberId }) => {
        const assignment: Record<string, number[]> = {};
        for (const slot of slotsByMember.get(memberId) ?? []) {
          for (const { topic, partition } of partitionsBySlot.get(slot)!) (assignment[topic] ??= []).push(partition);
        }
        for (const partitions of Object.values(assignment)) partitions.sort((a, b) => a - b);
        return { memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment, userData: Buffer.alloc(0) }) };
      });
    },
  });
}

function userDataOf(metadata: Buffer): SlotUserData | undefined {
  try {
    const data = JSON.parse(AssignerProtocol.MemberMetadata.decode(metadata)?.userData.toString() ?? '');
    if (Number.isInteger(data?.slotCount) && Array.isArray(data.owned) && data.owned.every(Number.isInteger)) return data;
  } catch {
    // not ours: treated as a member with another slot count
  }
  return undefined;
}
