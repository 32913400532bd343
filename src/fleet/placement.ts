import { createHash } from 'crypto';

/**
 * Which Connect cluster an unpinned tenant runs on: rendezvous (highest random weight) hashing of the
 * tenant id over the cluster names. Each tenant's cluster depends only on its own id and the set of
 * clusters, never on the other tenants, so adding or removing a tenant moves no other tenant; adding a
 * cluster moves only the tenants it wins (about 1 in n), removing one only the tenants it had.
 */
export function placeTenant(tenantId: string, clusterNames: readonly string[]): string {
  if (clusterNames.length === 0) throw new Error(`tenant ${tenantId} has no Connect cluster to run on`);
  let best = clusterNames[0];
  let bestWeight = -1n;
  for (const cluster of clusterNames) {
    const weight = weightOf(cluster, tenantId);
    // ties (practically impossible with 64 bits) go to the smaller name, so the order of the list never matters
    if (weight > bestWeight || (weight === bestWeight && cluster < best)) {
      best = cluster;
      bestWeight = weight;
    }
  }
  return best;
}

/** A stable 64-bit weight of a (cluster, tenant) pair: the same on every machine and Node version. */
function weightOf(cluster: string, tenantId: string): bigint {
  return createHash('sha256').update(`${cluster}\n${tenantId}`).digest().readBigUInt64BE(0);
}
