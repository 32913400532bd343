import type { Plan } from './plan';

/**
 * What `npm run synth` refuses without an explicit yes: a change that makes a database tenant-cdc captures
 * be snapshotted again (a move between Connect clusters, a renamed cluster, a tenant moved into a SQL Server
 * group, a tenant renamed or a database handed to another tenant: the same database under a new id), that
 * points a tenant's connector and offsets at another database (a database switch), or
 * that deletes more than a share of the connectors at once (a bad merge). Adding tenants, editing
 * tables, pausing: never refused.
 */
export interface GuardOptions {
  /** Let captured databases be snapshotted again (env TENANT_CDC_ALLOW_RESNAPSHOT=true, or --allow-resnapshot). */
  readonly allowResnapshot?: boolean;
  /**
   * Let a tenant keep its connector and offsets while its database's host, port or name changes, for the same
   * database at a new address (env TENANT_CDC_ALLOW_DATABASE_MOVE=true, or --allow-database-move).
   */
  readonly allowDatabaseMove?: boolean;
  /** Let more connectors go than `maxRemovedShare` allows (env TENANT_CDC_ALLOW_REMOVALS=true, or --allow-removals). */
  readonly allowRemovals?: boolean;
  /**
   * The share of connectors one change may delete without `allowRemovals` (one is always allowed).
   *
   * @default 0.1 (env TENANT_CDC_MAX_REMOVED_SHARE)
   */
  readonly maxRemovedShare?: number;
}

/** Guard settings from the environment and command-line flags. */
export function guardOptionsFrom(env: Readonly<Record<string, string | undefined>>, args: readonly string[]): GuardOptions {
  const yes = (value: string | undefined) => value !== undefined && /^(1|true|yes)$/i.test(value);
  const share = env.TENANT_CDC_MAX_REMOVED_SHARE;
  return {
    allowResnapshot: args.includes('--allow-resnapshot') || yes(env.TENANT_CDC_ALLOW_RESNAPSHOT),
    allowDatabaseMove: args.includes('--allow-database-move') || yes(env.TENANT_CDC_ALLOW_DATABASE_MOVE),
    allowRemovals: args.includes('--allow-removals') || yes(env.TENANT_CDC_ALLOW_REMOVALS),
    ...(share !== undefined && { maxRemovedShare: Number(share) }),
  };
}

const LISTED = 20;

/** Why the change is refused, one message per guard; empty when it may go ahead. */
export function guardProblems(plan: Plan, options: GuardOptions = {}): string[] {
  const problems: string[] = [];
  const resnapshots = plan.tenants.filter((t) => t.consequences.includes('resnapshot'));
  if (resnapshots.length > 0 && !options.allowResnapshot) {
    const listed = resnapshots.slice(0, LISTED).map((t) => `    ${t.tenant}: ${t.explanation.filter((e) => /snapshots again/.test(e)).join('; ')}`);
    const more = resnapshots.length > LISTED ? [`    ... and ${resnapshots.length - LISTED} more (npm run plan lists them all)`] : [];
    problems.push([`${resnapshots.length} tenant${resnapshots.length === 1 ? '' : 's'} would snapshot again a database tenant-cdc captures now:`, ...listed, ...more,
      '  If this is what you want, run again with TENANT_CDC_ALLOW_RESNAPSHOT=true (or --allow-resnapshot); '
      + 'to move tenants between clusters with their offsets, see "Moving a tenant with its offsets" in docs/fleets.md.'].join('\n'));
  }
  const switched = plan.tenants.filter((t) => t.consequences.includes('database-switch'));
  if (switched.length > 0 && !options.allowDatabaseMove) {
    const listed = switched.slice(0, LISTED).map((t) => `    ${t.tenant}: ${t.explanation.filter((e) => e.startsWith('its database changes')).join('; ')}`);
    const more = switched.length > LISTED ? [`    ... and ${switched.length - LISTED} more (npm run plan lists them all)`] : [];
    problems.push([`${switched.length} tenant${switched.length === 1 ? '' : 's'} would go on from another database's offsets:`, ...listed, ...more,
      '  For another database, give the tenant a new id (its old connector\'s cleanup is in npm run plan); for the same database at a new '
      + 'address, run again with TENANT_CDC_ALLOW_DATABASE_MOVE=true (or --allow-database-move).'].join('\n'));
  }
  const share = options.maxRemovedShare ?? 0.1;
  const allowed = Math.max(1, Math.floor(share * plan.summary.connectorsBefore));
  if (plan.summary.connectorsRemoved > allowed && !options.allowRemovals) {
    problems.push(`${plan.summary.connectorsRemoved} of ${plan.summary.connectorsBefore} connectors would be deleted at once, more than `
      + `${allowed} (${Math.round(share * 100)} %, TENANT_CDC_MAX_REMOVED_SHARE): is a part of the tenants file missing? `
      + 'If this is what you want, run again with TENANT_CDC_ALLOW_REMOVALS=true (or --allow-removals).');
  }
  return problems;
}
