import { DATABASE_KINDS, DatabaseKindName, databaseIdentity } from '../../tenants/rules';
import type { TenantCapture } from './captures';

/**
 * A database that one tenant captured before and another captures after: a renamed tenant (removed, and
 * added under a new id), a database moved into or out of a SQL Server group under a new id, or a database
 * handed from one tenant to another. Connect keys offsets by connector and Debezium names topics by prefix,
 * so the new capture knows nothing of the old one: it snapshots the database again, under new topics,
 * and what the old one kept (offsets, topics, a PostgreSQL slot, SQL Server's CDC setup) stays.
 */
export interface DatabaseHandover {
  /** The capture before: the tenant that had the database. */
  readonly from: TenantCapture;
  /** The capture after: the tenant that has it now. */
  readonly to: TenantCapture;
  /** True when `from`'s tenant is gone from the new output. */
  readonly fromRemoved: boolean;
  /**
   * True when the same connector goes on capturing the database from the same offsets into the same topics:
   * a tenant of a SQL Server group renamed, which changes only the processor's route.
   */
  readonly sameCapture: boolean;
}

/** Every database captured after by another tenant than before, by the tenant that takes it. */
export function databaseHandovers(before: ReadonlyMap<string, TenantCapture>, after: ReadonlyMap<string, TenantCapture>): DatabaseHandover[] {
  const had = new Map<string, TenantCapture>();
  for (const capture of before.values()) {
    const identity = identityOf(capture);
    if (identity !== undefined) had.set(identity, capture);
  }
  const handovers: DatabaseHandover[] = [];
  for (const to of [...after.values()].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0))) {
    const identity = identityOf(to);
    const from = identity === undefined ? undefined : had.get(identity);
    if (!from || from.tenant === to.tenant) continue;
    const fromNow = after.get(from.tenant);
    // the tenants file refuses two tenants on one database, so the old tenant has let it go
    if (fromNow && identityOf(fromNow) === identity) continue;
    // the database is compared as the server compares names: a group's connector reads the server's real name,
    // so a rename that also fixes the file's spelling of the database keeps offsets and topics
    const sameCapture = from.connector === to.connector && from.offsets === to.offsets && from.topicPrefix === to.topicPrefix;
    handovers.push({ from, to, fromRemoved: fromNow === undefined, sameCapture });
  }
  return handovers;
}

/** What the tenant that takes a database does, in words: it snapshots again, and what the old capture left. */
export function takeoverExplanation({ from, to, fromRemoved, sameCapture }: DatabaseHandover): string {
  if (sameCapture) {
    return `renamed from ${from.tenant}: the connector of SQL Server group ${to.group} goes on capturing database ${to.database} from its offsets, `
      + `into the same topics (${topicsOf(to, false)}); the processor labels its events ${to.tenant} from now on`;
  }
  const kind = from.kind as DatabaseKindName;
  const left = [`its offsets (in ${from.offsets})`, `its topics (${topicsOf(from, !fromRemoved)})`];
  if (kind === 'postgres') {
    left.push(`its replication slot ${from.config['slot.name']} (which keeps WAL until it is dropped) and publication ${from.config['publication.name']}; `
      + `${to.tenant} makes its own (${to.config['slot.name']})`);
  } else if (kind === 'sqlserver') {
    left.push(`the database's CDC setup, which ${to.tenant} reads again`);
  }
  const last = left.pop()!;
  return `the same database as ${fromRemoved ? `removed tenant ${from.tenant}` : `tenant ${from.tenant} had`} (${describeDatabase(from)}): `
    + `it snapshots again, under new topics (${topicsOf(to, false)}); left from ${from.tenant}: ${left.join(', ')}${left.length > 1 ? ',' : ''} and ${last}`;
}

/**
 * A tenant that keeps its id (so its connector, offsets and topics) while its database becomes another one:
 * the connector would go on from the old database's position in the new one and never snapshot the rows it
 * holds. A new address of the same database (a DNS move) looks the same from here, so it is said, not guessed.
 * A SQL Server group's tenants share a connector whose database list says what is read: not this case.
 */
export function databaseSwitchExplanation(before: TenantCapture, after: TenantCapture): string | undefined {
  if (before.group !== undefined || after.group !== undefined) return undefined;
  const [was, is] = [identityOf(before), identityOf(after)];
  if (was === undefined || is === undefined || was === is) return undefined;
  return `its database changes (${describeDatabase(before)} → ${describeDatabase(after)}) under the same connector and offsets: `
    + 'if it is another database, the connector goes on from the old one\'s position and never snapshots the rows the new one holds, '
    + 'so give the tenant a new id instead (a new connector snapshots it under new topics); '
    + 'if it is the same database at a new address, it resumes from its offsets';
}

/** `sqlserver host:port, database name`, as the old capture wrote it. */
function describeDatabase(capture: TenantCapture): string {
  return `${capture.kind} ${capture.config['database.hostname']}:${capture.config['database.port']}, database ${capture.database}`;
}

/**
 * The topics of a capture's database: `<prefix>.*`, or `<prefix>.<database>.*` when its prefix also names
 * other databases (a SQL Server group's, or a tenant that goes on under the same prefix on another database).
 */
function topicsOf(capture: TenantCapture, prefixGoesOn: boolean): string {
  return (capture.group !== undefined || prefixGoesOn) && capture.kind !== 'postgres' ? `${capture.topicPrefix}.${capture.database}.*` : `${capture.topicPrefix}.*`;
}

function identityOf(capture: TenantCapture): string | undefined {
  if (!(DATABASE_KINDS as readonly string[]).includes(capture.kind)) return undefined;
  const host = capture.config['database.hostname'];
  const port = capture.config['database.port'];
  if (host === undefined || port === undefined || capture.database === '') return undefined;
  return databaseIdentity({ kind: capture.kind as DatabaseKindName, host, port, name: capture.database });
}
