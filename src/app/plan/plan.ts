import { ANONYMOUS, kafkaAclsOf } from '../../acls/kafka-acls';
import { aclLines } from '../../acls/render';
import { DEBEZIUM_PLUGINS } from '../../connectors/database-kind';
import { CREDENTIALS_VERSION_KEY } from '../../connectors/debezium-connector';
import type { DatabaseKindName } from '../../tenants/rules';
import { KafkaFootprint, kafkaFootprintByCluster, SynthesizedObject, totalKafkaFootprint } from '../../footprint/kafka-footprint';
import { addedTableLines } from '../../snapshots/plan-lines';
import { includedTables, TenantCapture, tenantCaptures } from './captures';
import { removedTableExplanations } from './removed-tables';
import { SecretGrant, secretGrantChanges } from './secret-grants';
import { DatabaseHandover, databaseHandovers, databaseSwitchExplanation, takeoverExplanation } from './same-database';

/**
 * What applying a new output does to the running system, compared with the output applied now: per
 * tenant and per Connect cluster, every change with its consequence in words. Strimzi and Argo CD show
 * nothing of this before it happens; with hundreds of tenants one edit can re-snapshot all of them.
 */

/** A consequence of a change, from harmless to costly. */
export type Consequence =
  /** A new tenant: its first snapshot. */
  | 'snapshot'
  /** Paused, stopped or resumed. */
  | 'state'
  /** A config change: Strimzi updates the connector, which restarts and resumes from its offsets. */
  | 'restart'
  /** The connector loses its offsets and reads every table again: a new snapshot of an existing tenant. */
  | 'resnapshot'
  /** Something stays behind in Kafka or the database and needs cleaning up. */
  | 'data-left-behind'
  /** The tenant keeps its connector and offsets while its database becomes another: refused unless allowed. */
  | 'database-switch';

export interface ConfigChange {
  readonly key: string;
  readonly before?: string;
  readonly after?: string;
}

export interface TenantPlan {
  readonly tenant: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before?: TenantCapture;
  readonly after?: TenantCapture;
  /** Connector config keys that differ (credentials are placeholders, never values). */
  readonly config: readonly ConfigChange[];
  readonly consequences: readonly Consequence[];
  /** What happens, in words. */
  readonly explanation: readonly string[];
  /** What someone must do by hand afterwards, e.g. the statements that drop a PostgreSQL slot. */
  readonly cleanup: readonly string[];
}

export interface ClusterPlan {
  readonly cluster: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly fields: readonly ConfigChange[];
  readonly explanation: readonly string[];
}

export interface Plan {
  /** Tenants that change, sorted by id. */
  readonly tenants: readonly TenantPlan[];
  readonly clusters: readonly ClusterPlan[];
  readonly footprint: { readonly before: KafkaFootprint; readonly after: KafkaFootprint };
  /**
   * Kafka ACLs to add and to remove (`<principal> <OPERATION> <type> <name>`, a prefix ending in `*`): what
   * the Kafka administrator applies before (added) and after (removed) the change. `npm run acls` lists all.
   */
  readonly acls: { readonly added: readonly string[]; readonly removed: readonly string[] };
  /**
   * Secrets a Connect cluster's ServiceAccount may newly `get`, or no longer, with the Role and whose Secret
   * each is: a tenant added or removed is a name added to or removed from its cluster's one Role.
   */
  readonly secrets: readonly SecretGrant[];
  /**
   * Roles and RoleBindings (`Role cdc/<name>`) that enter or leave the output. Upgrading from a Role per
   * tenant to one per Connect cluster removes them all without changing what anyone may read (`secrets`
   * is empty then); Argo CD deletes them only when it prunes, so the plan names them.
   */
  readonly accessObjects: { readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly summary: {
    readonly tenantsBefore: number;
    readonly tenantsAfter: number;
    readonly added: number;
    readonly removed: number;
    readonly changed: number;
    /** Tenants that would snapshot again a database tenant-cdc captures now (moved, or under a new id). */
    readonly resnapshot: number;
    /** KafkaConnectors that would be deleted (a SQL Server group's counts once). */
    readonly connectorsRemoved: number;
    readonly connectorsBefore: number;
  };
}

/** How many things a plan changes: tenants, Connect clusters, Secret grants and RBAC objects (0: nothing). */
export function planChangeCount(plan: Plan): number {
  return plan.tenants.length + plan.clusters.length + plan.secrets.length + plan.accessObjects.added.length + plan.accessObjects.removed.length;
}

/**
 * Compares the output applied now (`before`) with a new one (`after`). `connectorsBefore` is for callers
 * that pass only the objects that differ (see planChangedDocuments).
 */
export function planChanges(before: readonly SynthesizedObject[], after: readonly SynthesizedObject[], options: { connectorsBefore?: number } = {}): Plan {
  const was = tenantCaptures(before);
  const will = tenantCaptures(after);
  const handovers = databaseHandovers(was, will);
  const secrets = secretGrantChanges(before, after);
  const tenants: TenantPlan[] = [];
  for (const id of [...new Set([...was.keys(), ...will.keys()])].sort()) {
    const plan = planTenant(id, was.get(id), will.get(id), handovers.find((h) => h.from.tenant === id));
    if (plan) tenants.push(withSecretGrants(withTakeover(plan, handovers.find((h) => h.to.tenant === id)), secrets));
  }
  // a PLAINTEXT Kafka has no principals to grant anything to
  const aclsOf = (objects: readonly SynthesizedObject[]) => new Set(aclLines(kafkaAclsOf(objects).filter((p) => p.principal !== ANONYMOUS)));
  const aclsBefore = aclsOf(before);
  const aclsAfter = aclsOf(after);
  const accessOf = (objects: readonly SynthesizedObject[]) => new Set(objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding')
    .map((o) => `${o.kind} ${(o.metadata as { namespace?: string }).namespace}/${o.metadata.name}`).sort());
  const accessBefore = accessOf(before);
  const accessAfter = accessOf(after);
  const connectorsBefore = new Set(before.filter((o) => o.kind === 'KafkaConnector').map((o) => o.metadata.name));
  const connectorsAfter = new Set(after.filter((o) => o.kind === 'KafkaConnector').map((o) => o.metadata.name));
  return {
    tenants,
    clusters: planClusters(before, after),
    footprint: { before: totalKafkaFootprint(kafkaFootprintByCluster(before)), after: totalKafkaFootprint(kafkaFootprintByCluster(after)) },
    acls: { added: [...aclsAfter].filter((l) => !aclsBefore.has(l)), removed: [...aclsBefore].filter((l) => !aclsAfter.has(l)) },
    secrets,
    accessObjects: { added: [...accessAfter].filter((o) => !accessBefore.has(o)), removed: [...accessBefore].filter((o) => !accessAfter.has(o)) },
    summary: {
      tenantsBefore: was.size,
      tenantsAfter: will.size,
      added: tenants.filter((t) => t.change === 'added').length,
      removed: tenants.filter((t) => t.change === 'removed').length,
      changed: tenants.filter((t) => t.change === 'changed').length,
      resnapshot: tenants.filter((t) => t.consequences.includes('resnapshot')).length,
      connectorsRemoved: [...connectorsBefore].filter((name) => !connectorsAfter.has(name)).length,
      connectorsBefore: options.connectorsBefore ?? connectorsBefore.size,
    },
  };
}

/** `handedOver`: the database this tenant had is another tenant's now. */
function planTenant(id: string, before: TenantCapture | undefined, after: TenantCapture | undefined, handedOver?: DatabaseHandover): TenantPlan | undefined {
  if (!before && after) {
    return {
      tenant: id, change: 'added', after, config: [], consequences: ['snapshot'],
      explanation: [`new tenant on Connect cluster ${after.cluster}${after.group ? ` (SQL Server group ${after.group})` : ''}: `
        + `its connector snapshots ${tablesOf(after)} first (snapshot mode ${after.config['snapshot.mode'] ?? 'initial'})`,
      ...maskNote(after, Object.keys(after.config))],
      cleanup: [],
    };
  }
  if (before && !after && handedOver?.sameCapture) {
    return { tenant: id, change: 'removed', before, config: [], consequences: [], explanation: [`renamed to ${handedOver.to.tenant}: nothing is deleted or left behind`], cleanup: [] };
  }
  if (before && !after) {
    return {
      tenant: id, change: 'removed', before, config: [], consequences: ['data-left-behind'],
      explanation: [before.group ? `its database ${before.database} leaves the shared connector of SQL Server group ${before.group}, which restarts`
        : `its connector ${before.connector} is deleted (its offsets stay in ${before.offsets} but nothing reads them)`,
      `left behind: its topics (${before.topicPrefix}.* ${before.group ? `for database ${before.database}` : ''})`.replace(' )', ')')
        + (ownHeartbeatTopic(before) ? `, its heartbeat topic ${ownHeartbeatTopic(before)}` : '')
        + (before.kind === 'postgres' ? `, and on ${before.config['database.hostname']}:${before.config['database.port']} its replication slot `
          + `${before.config['slot.name']} (which keeps WAL until it is dropped) and publication ${before.config['publication.name']}` : '')
        + (before.kind === 'sqlserver' ? (handedOver ? `; CDC stays enabled on the database, which tenant ${handedOver.to.tenant} captures now: keep it`
          : ', and CDC stays enabled on the database (a DBA step to disable)') : '')],
      cleanup: cleanupOf(before),
    };
  }
  if (!before || !after) return undefined;
  const config = configChanges(before.config, after.config);
  const consequences = new Set<Consequence>();
  const explanation: string[] = [];
  if (before.cluster !== after.cluster) {
    consequences.add('resnapshot');
    explanation.push(`moves from Connect cluster ${before.cluster} to ${after.cluster}: ${after.cluster} has no offsets for it (they are in ${before.offsets}), `
      + 'so it snapshots again');
  } else if (before.offsets !== after.offsets) {
    consequences.add('resnapshot');
    explanation.push(`its Connect cluster ${after.cluster} keeps offsets elsewhere now (${before.offsets} → ${after.offsets}), so it snapshots again`);
  }
  if (before.connector !== after.connector) {
    consequences.add('resnapshot');
    explanation.push(`captured by connector ${after.connector} instead of ${before.connector}; Connect keys offsets by connector name, so it snapshots again`);
  }
  if (before.topicPrefix !== after.topicPrefix) {
    consequences.add('resnapshot');
    explanation.push(`topic.prefix ${before.topicPrefix} → ${after.topicPrefix}: new topics, and offsets keyed by the old prefix are orphaned, so it snapshots again`);
  }
  if (before.state !== after.state) {
    consequences.add('state');
    explanation.push(after.state === 'running' ? `resumes (was ${before.state}) from its offsets` : `${after.state === 'paused' ? 'pauses' : 'stops'} (was ${before.state}); `
      + 'its offsets are kept');
  }
  const switched = databaseSwitchExplanation(before, after);
  const restartKeys = config.filter((c) => !consequences.has('resnapshot') || c.key !== 'topic.prefix').map((c) => c.key);
  if (restartKeys.length > 0 && !consequences.has('resnapshot') && switched) {
    consequences.add('restart').add('database-switch');
    explanation.push(switched);
  } else if (restartKeys.length > 0 && !consequences.has('resnapshot')) {
    consequences.add('restart');
    const joining = before.group && restartKeys.includes('database.names') ? ` (the group's database list changes; its other databases wait while a new one snapshots)` : '';
    explanation.push(restartKeys.length === 1 && restartKeys[0] === CREDENTIALS_VERSION_KEY
      ? 'credentials.version changed: the connector restarts, reads its Secret again and resumes from its offsets'
      : `config change (${restartKeys.join(', ')}): the connector restarts and resumes from its offsets${joining}`);
    explanation.push(...addedTableLines(before.config, after.config, before.group !== undefined));
    if (after.config['snapshot.mode'] === 'always' && before.config['snapshot.mode'] !== 'always') {
      consequences.add('resnapshot');
      explanation.push('snapshot.mode becomes always: it snapshots again on this and every restart');
    }
  }
  const tablesLeft = removedTableExplanations(before, after);
  if (tablesLeft.length > 0) {
    consequences.add('data-left-behind');
    explanation.push(...tablesLeft);
  }
  if (handedOver) explanation.push(`its database ${before.database} is captured by tenant ${handedOver.to.tenant} now`);
  explanation.push(...maskNote(after, config.map((c) => c.key)));
  if (consequences.size === 0) return undefined;
  return { tenant: id, change: 'changed', before, after, config, consequences: [...consequences], explanation, cleanup: [] };
}

/** A tenant that takes a database another tenant captured: it snapshots that database again. */
function withTakeover(plan: TenantPlan, takeover: DatabaseHandover | undefined): TenantPlan {
  if (!takeover) return plan;
  // a grouped tenant renamed: nothing is captured again, so nothing of the new tenant's first snapshot applies
  if (takeover.sameCapture) {
    return plan.change === 'added' ? { ...plan, consequences: [], explanation: [takeoverExplanation(takeover)] }
      : { ...plan, explanation: [...plan.explanation, takeoverExplanation(takeover)] };
  }
  return {
    ...plan,
    consequences: plan.consequences.includes('resnapshot') ? plan.consequences : [...plan.consequences, 'resnapshot'],
    explanation: [...plan.explanation, takeoverExplanation(takeover)],
  };
}

/** The Secrets of this tenant that its Connect cluster's Role starts or stops granting, in words. */
function withSecretGrants(plan: TenantPlan, grants: readonly SecretGrant[]): TenantPlan {
  const mine = grants.filter((g) => g.owners.includes(`tenant ${plan.tenant}`));
  if (mine.length === 0) return plan;
  return { ...plan, explanation: [...plan.explanation, ...mine.map((g) => (g.change === 'granted'
    ? `Role ${g.roles.join(', ')} lets ${g.serviceAccount} get its Secret ${g.secret}`
    : `Role ${g.roles.join(', ')} no longer lets ${g.serviceAccount} get its Secret ${g.secret}`))] };
}

/** Which types the connector masks, when `keys` add or change a mask: Debezium masks character columns only. */
function maskNote(capture: TenantCapture, keys: readonly string[]): string[] {
  const rules = [...new Set(keys.filter((k) => k.startsWith('column.mask.') && capture.config[k] !== undefined)
    .map((k) => (k.startsWith('column.mask.hash.') ? 'hash' : 'asterisks')))];
  const plugin = DEBEZIUM_PLUGINS[capture.kind as DatabaseKindName];
  if (rules.length === 0 || !plugin) return [];
  return [`masks (${rules.join(', ')}): the ${capture.kind} connector masks ${plugin.maskedTypes}; the processor masks values of other types `
    + 'before the final topic, but the raw topic holds them in clear (docs/tenants-file.md: Columns)'];
}

/** The heartbeat topic a connector writes alone (Debezium's `__debezium-heartbeat.<prefix>`), when it shares none. */
function ownHeartbeatTopic(capture: TenantCapture): string | undefined {
  const heartbeats = Number(capture.config['heartbeat.interval.ms'] ?? 0) > 0;
  return heartbeats && capture.config['topic.heartbeat.name'] === undefined ? `__debezium-heartbeat.${capture.topicPrefix}` : undefined;
}

/** Statements to run by hand for what a removed tenant leaves in its database. */
function cleanupOf(capture: TenantCapture): string[] {
  if (capture.kind !== 'postgres') return [];
  const where = `-- on ${capture.config['database.hostname']}:${capture.config['database.port']}, database ${capture.config['database.dbname']}:`;
  return [
    where,
    `SELECT pg_drop_replication_slot('${capture.config['slot.name']}');`,
    `DROP PUBLICATION IF EXISTS ${capture.config['publication.name']};`,
  ];
}

function tablesOf(capture: TenantCapture): string {
  const tables = includedTables(capture.config);
  return tables.length > 0 ? tables.join(', ') : 'its tables';
}

function configChanges(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): ConfigChange[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    .filter((key) => before[key] !== after[key])
    .map((key) => ({ key, ...(before[key] !== undefined && { before: before[key] }), ...(after[key] !== undefined && { after: after[key] }) }));
}

/** KafkaConnect fields whose change rolls every worker of the cluster (and so restarts its connectors). */
function planClusters(before: readonly SynthesizedObject[], after: readonly SynthesizedObject[]): ClusterPlan[] {
  const connects = (objects: readonly SynthesizedObject[]) => new Map(objects.filter((o) => o.kind === 'KafkaConnect').map((c) => [c.metadata.name, c]));
  const was = connects(before);
  const will = connects(after);
  const plans: ClusterPlan[] = [];
  for (const name of [...new Set([...was.keys(), ...will.keys()])].sort()) {
    const a = was.get(name);
    const b = will.get(name);
    if (!a && b) plans.push({ cluster: name, change: 'added', fields: [], explanation: [`a new Connect cluster: Strimzi starts ${b.spec?.replicas} workers`] });
    else if (a && !b) {
      plans.push({ cluster: name, change: 'removed', fields: [], explanation: ['Strimzi deletes its workers; its storage topics (configs, offsets, status) stay in Kafka'] });
    } else if (a && b) {
      const fields = configChanges(flatten(a.spec ?? {}), flatten(b.spec ?? {}));
      if (fields.length > 0) {
        plans.push({ cluster: name, change: 'changed', fields, explanation: [
          `Strimzi rolls its workers one by one (${fields.map((f) => f.key).join(', ')}); connectors rebalance and resume from their offsets`] });
      }
    }
  }
  return plans;
}

/** A spec as `path.to.field` → value, to compare field by field. */
function flatten(value: unknown, prefix = '', into: Record<string, string> = {}): Record<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, into);
  } else {
    into[prefix] = JSON.stringify(value);
  }
  return into;
}
