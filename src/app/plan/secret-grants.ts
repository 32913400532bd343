import type { SynthesizedObject } from '../../footprint/kafka-footprint';
import { tenantCaptures } from './captures';

/**
 * A Secret a Connect cluster's ServiceAccount may newly `get`, or no longer: with one Role per Connect
 * cluster, a tenant added or removed is one name more or less in that Role's `resourceNames`. Compared per
 * ServiceAccount, over every Role bound to it, so moving a grant from one Role to another is no change.
 */
export interface SecretGrant {
  /** `<namespace>/<name>` of the ServiceAccount, e.g. `cdc/<cluster>-connect`. */
  readonly serviceAccount: string;
  readonly secret: string;
  readonly change: 'granted' | 'revoked';
  /** The Roles that grant it after the change (granted), or granted it before (revoked). */
  readonly roles: readonly string[];
  /** Whose Secret it is, e.g. `tenant acme`, `SQL Server group eu-1`, `Kafka login of Connect cluster cdc`; empty when no connector names it. */
  readonly owners: readonly string[];
}

/** What each ServiceAccount may `get` after and not before (granted), or before and not after (revoked), sorted. */
export function secretGrantChanges(before: readonly SynthesizedObject[], after: readonly SynthesizedObject[]): SecretGrant[] {
  const was = readableSecrets(before);
  const will = readableSecrets(after);
  const ownersBefore = secretOwners(before);
  const ownersAfter = secretOwners(after);
  const grants: SecretGrant[] = [];
  for (const account of [...new Set([...was.keys(), ...will.keys()])].sort()) {
    const old = was.get(account) ?? new Map<string, string[]>();
    const now = will.get(account) ?? new Map<string, string[]>();
    for (const secret of [...new Set([...old.keys(), ...now.keys()])].sort()) {
      if (old.has(secret) === now.has(secret)) continue;
      const change = now.has(secret) ? 'granted' : 'revoked';
      // Strimzi's ServiceAccount of Connect cluster <cluster> is <cluster>-connect
      const owners = (change === 'granted' ? ownersAfter : ownersBefore).get(`${account.slice(account.indexOf('/') + 1)}/${secret}`) ?? [];
      grants.push({ serviceAccount: account, secret, change, roles: (change === 'granted' ? now : old).get(secret)!, owners: [...owners].sort() });
    }
  }
  return grants;
}

/** Per ServiceAccount (`<namespace>/<name>`), the Secrets the Roles bound to it let it `get`, each with those Roles. */
function readableSecrets(objects: readonly SynthesizedObject[]): Map<string, Map<string, string[]>> {
  const roles = new Map<string, string[]>();
  for (const role of objects.filter((o) => o.kind === 'Role') as any[]) {
    const rules: any[] = role.rules ?? [];
    const secrets = rules.filter((r) => (r.resources ?? []).includes('secrets') && (r.verbs ?? []).includes('get')).flatMap((r) => r.resourceNames ?? []);
    roles.set(`${role.metadata.namespace}/${role.metadata.name}`, secrets);
  }
  const readable = new Map<string, Map<string, string[]>>();
  for (const binding of objects.filter((o) => o.kind === 'RoleBinding') as any[]) {
    const namespace = binding.metadata.namespace;
    const secrets = binding.roleRef?.kind === 'Role' ? roles.get(`${namespace}/${binding.roleRef.name}`) ?? [] : [];
    for (const subject of (binding.subjects ?? []).filter((s: any) => s.kind === 'ServiceAccount')) {
      const account = `${subject.namespace ?? namespace}/${subject.name}`;
      if (!readable.has(account)) readable.set(account, new Map());
      for (const secret of secrets) {
        const grantedBy = readable.get(account)!.get(secret) ?? [];
        readable.get(account)!.set(secret, [...grantedBy, binding.roleRef.name]);
      }
    }
  }
  return readable;
}

/**
 * Who each Secret a connector references belongs to, by `<ServiceAccount>/<secret>` (the Connect cluster's
 * ServiceAccount reads it): the tenant (or SQL Server group) whose database login it holds, or the Connect
 * cluster's Kafka login (its schema history clients' password and CA).
 */
function secretOwners(objects: readonly SynthesizedObject[]): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  const add = (key: string, owner: string) => {
    if (!owners.has(key)) owners.set(key, new Set());
    owners.get(key)!.add(owner);
  };
  for (const capture of tenantCaptures(objects).values()) {
    for (const [key, value] of Object.entries(capture.config)) {
      for (const match of value.matchAll(/\$\{secrets:[^/}]+\/([^:}]+):[^}]+\}/g)) {
        const secret = `${capture.cluster}-connect/${match[1]}`;
        if (!key.startsWith('database.')) add(secret, `Kafka login of Connect cluster ${capture.cluster}`);
        else add(secret, capture.group ? `SQL Server group ${capture.group}` : `tenant ${capture.tenant}`);
      }
    }
  }
  return owners;
}
