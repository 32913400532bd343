import type { KafkaFootprint } from '../../footprint/kafka-footprint';
import { planChangeCount } from './plan';
import type { ConfigChange, Plan, TenantPlan } from './plan';
import type { SecretGrant } from './secret-grants';

/** A plan as people read it: a summary, then every changed Connect cluster and tenant with what it does. */
export function renderPlan(plan: Plan): string {
  const { summary } = plan;
  const lines: string[] = [];
  const changes = planChangeCount(plan);
  lines.push(changes === 0 ? `No changes: ${summary.tenantsAfter} tenants as they are.`
    : `Plan: ${summary.added} tenant${s(summary.added)} added, ${summary.removed} removed, ${summary.changed} changed`
      + `${summary.resnapshot > 0 ? ` (${summary.resnapshot} snapshot${s(summary.resnapshot)} again)` : ''}; ${summary.tenantsBefore} → ${summary.tenantsAfter} tenants.`);
  lines.push(`Kafka: ${footprintLine(plan.footprint.before, plan.footprint.after)}.`);
  lines.push(...aclLines(plan.acls.added, plan.acls.removed));
  lines.push(...secretLines(plan.secrets));
  lines.push(...accessObjectLines(plan.accessObjects.added, plan.accessObjects.removed));
  if (plan.clusters.length > 0) {
    lines.push('', 'Connect clusters:');
    for (const cluster of plan.clusters) {
      lines.push(`  ${mark(cluster.change)} ${cluster.cluster}: ${cluster.explanation.join('; ')}`);
      lines.push(...cluster.fields.map((f) => `      ${changeLine(f)}`));
    }
  }
  if (plan.tenants.length > 0) {
    lines.push('', 'Tenants:');
    for (const tenant of plan.tenants) lines.push(...tenantLines(tenant));
  }
  return `${lines.join('\n')}\n`;
}

/** The most ACL lines the plan lists; `npm run acls` prints every ACL. */
const MAX_ACL_LINES = 200;

function aclLines(added: readonly string[], removed: readonly string[]): string[] {
  if (added.length + removed.length === 0) return [];
  const lines = [...added.map((l) => `  + ${l}`), ...removed.map((l) => `  - ${l}`)];
  const shown = lines.slice(0, MAX_ACL_LINES);
  if (lines.length > shown.length) shown.push(`  ... and ${lines.length - shown.length} more (npm run plan -- --json lists them; npm run acls prints every ACL)`);
  return [`Kafka ACLs: ${added.length} to add before the change, ${removed.length} to remove after it:`, ...shown];
}

/** The most Secret lines the plan lists; `--json` has every one. */
const MAX_SECRET_LINES = 200;

function secretLines(grants: readonly SecretGrant[]): string[] {
  if (grants.length === 0) return [];
  const granted = grants.filter((g) => g.change === 'granted').length;
  const lines = grants.map((g) => `  ${g.change === 'granted' ? '+' : '-'} ${g.serviceAccount} get Secret ${g.secret}`
    + ` (${g.owners.length > 0 ? g.owners.join(', ') : 'no connector references it'}; Role ${g.roles.join(', ')})`);
  const shown = lines.slice(0, MAX_SECRET_LINES);
  if (lines.length > shown.length) shown.push(`  ... and ${lines.length - shown.length} more (npm run plan -- --json lists them)`);
  return [`Secret access: ${granted} Secret${s(granted)} granted, ${grants.length - granted} revoked (the Connect clusters' Roles):`, ...shown];
}

/** The most RBAC object lines the plan lists; `--json` has every one. */
const MAX_ACCESS_OBJECT_LINES = 20;

function accessObjectLines(added: readonly string[], removed: readonly string[]): string[] {
  if (added.length + removed.length === 0) return [];
  const lines = [...added.map((o) => `  + ${o}`), ...removed.map((o) => `  - ${o}`)];
  const shown = lines.slice(0, MAX_ACCESS_OBJECT_LINES);
  if (lines.length > shown.length) shown.push(`  ... and ${lines.length - shown.length} more (npm run plan -- --json lists them)`);
  return [`RBAC objects: ${added.length} added, ${removed.length} removed`
    + `${removed.length > 0 ? ' (Argo CD deletes removed ones only when it prunes; otherwise delete them with kubectl)' : ''}:`, ...shown];
}

function tenantLines(tenant: TenantPlan): string[] {
  const severity = tenant.consequences.includes('resnapshot') || tenant.consequences.includes('database-switch') ? '!' : mark(tenant.change);
  const where = tenant.after?.cluster ?? tenant.before?.cluster;
  return [
    `  ${severity} ${tenant.tenant}${tenant.consequences.length > 0 ? ` [${tenant.consequences.join(', ')}]` : ''} (Connect cluster ${where})`,
    ...tenant.explanation.map((e) => `      ${e}`),
    ...tenant.config.map((c) => `      ${changeLine(c)}`),
    ...tenant.cleanup.map((c) => `      ${c}`),
  ];
}

function changeLine(change: ConfigChange): string {
  return `${change.key}: ${shorten(change.before ?? '(unset)')} → ${shorten(change.after ?? '(unset)')}`;
}

/** Long values (a plugin list, a JAAS config) are cut: `--json` has them whole. */
function shorten(value: string): string {
  return value.length > 100 ? `${value.slice(0, 97)}...` : value;
}

function mark(change: 'added' | 'removed' | 'changed'): string {
  return change === 'added' ? '+' : change === 'removed' ? '-' : '~';
}

function footprintLine(before: KafkaFootprint, after: KafkaFootprint): string {
  const partitions = (f: KafkaFootprint) => (f.partitions === undefined ? '? (broker defaults)' : String(f.partitions));
  return `${before.topics} → ${after.topics} topics, ${partitions(before)} → ${partitions(after)} partitions before replication, `
    + `${before.clients} → ${after.clients} Kafka clients`;
}

function s(count: number): string {
  return count === 1 ? '' : 's';
}
