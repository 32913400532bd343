import { AssignerProtocol } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { snapshotLeaderAssigner } from '../../src/processor/snapshot-kafka';

/**
 * The reconciler's leader: the group's assigner (kafkajs runs it on the group leader with every member's
 * metadata) gives every partition to one member, and none while members run with different declared tables.
 */
const topics = ['__tenant-cdc-snapshots.p', '__tenant-cdc-signals.c', '__tenant-cdc-notifications.c'];
const cluster = { findTopicPartitionMetadata: () => [{ partitionId: 0 }] } as any;

async function assignments(hashes: Record<string, string>) {
  const members = await Promise.all(Object.entries(hashes).map(async ([memberId, hash]) => {
    const protocol = snapshotLeaderAssigner(hash)({ cluster } as any).protocol({ topics });
    return { memberId, memberMetadata: protocol.metadata };
  }));
  const result = await snapshotLeaderAssigner('any')({ cluster } as any).assign({ members, topics } as any);
  return Object.fromEntries(result.map((r) => [r.memberId, AssignerProtocol.MemberAssignment.decode(r.memberAssignment)!.assignment]));
}

describe('the snapshot reconciler\'s leader', () => {
  test('is one member, with every partition, when all run the same declared tables', async () => {
    expect(await assignments({ 'm-2': 'tables-v2', 'm-1': 'tables-v2' })).toEqual({
      'm-1': Object.fromEntries(topics.map((t) => [t, [0]])), 'm-2': {},
    });
  });

  test('is nobody while replicas of two table lists run side by side (a rollout): they would take turns writing the ledger', async () => {
    expect(await assignments({ 'm-1': 'tables-v1', 'm-2': 'tables-v2', 'm-3': 'tables-v2' })).toEqual({ 'm-1': {}, 'm-2': {}, 'm-3': {} });
  });
});
