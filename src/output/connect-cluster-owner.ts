import { IConstruct } from 'constructs';

/**
 * Which Connect cluster a construct's objects belong to, for the output split by Connect cluster
 * (`output.split`). CdcPlatform marks the scope of each cluster's objects (the cluster itself, each
 * tenant's connector and RBAC, the cluster's monitoring); every object below a marked scope is that
 * cluster's, and every object below none is shared. Decided where the objects are made, never guessed
 * from their labels or names.
 */
const OWNERS = new WeakMap<IConstruct, string>();

/** Marks `scope` and everything below it as Connect cluster `cluster`'s. */
export function ownedByConnectCluster<T extends IConstruct>(scope: T, cluster: string): T {
  OWNERS.set(scope, cluster);
  return scope;
}

/** The Connect cluster of the nearest marked scope at or above `construct`; undefined when it is shared. */
export function connectClusterOwnerOf(construct: IConstruct): string | undefined {
  for (const scope of [...construct.node.scopes].reverse()) {
    const owner = OWNERS.get(scope);
    if (owner !== undefined) return owner;
  }
  return undefined;
}
