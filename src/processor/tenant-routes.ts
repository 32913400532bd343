/**
 * TENANT_ROUTES (contract 2) as lookups: which tenant an event or a raw topic belongs to.
 *
 * A route is `<topic.prefix>` or `<topic.prefix>/<database>`. A prefix with database routes is a
 * multi-database connector (a SQL Server group): its events belong to the route of their database, and a
 * database in no route belongs to no tenant (never to the group's name). Database names match as the
 * database compares them: SQL Server case-insensitively, because Debezium writes `source.db` and the topic
 * in the server's own spelling, which need not be the tenants file's.
 */

/** Where an event or topic goes: a tenant, or no tenant with the reason. */
export type Route = { readonly tenant: string } | { readonly unrouted: string };

/** Connectors (`source.connector`) whose servers compare database names case-insensitively. */
const CASE_INSENSITIVE_CONNECTORS: ReadonlySet<string> = new Set(['sqlserver']);

export class TenantRoutes {
  /** `<prefix>/<database>` as written. */
  private readonly exact = new Map<string, string>();
  /** `<prefix>/<lowercased database>` to the tenant, or to undefined when two routes differ only in case. */
  private readonly folded = new Map<string, string | undefined>();
  /** The database routes of each multi-database prefix, for messages. */
  private readonly databasesOf = new Map<string, string[]>();
  private readonly prefixes = new Map<string, string>();

  constructor(routes: ReadonlyMap<string, string>) {
    for (const [from, tenant] of routes) {
      const slash = from.indexOf('/');
      if (slash < 0) {
        this.prefixes.set(from, tenant);
        continue;
      }
      const prefix = from.slice(0, slash);
      const database = from.slice(slash + 1);
      this.exact.set(from, tenant);
      const key = `${prefix}/${database.toLowerCase()}`;
      this.folded.set(key, this.folded.has(key) && this.folded.get(key) !== tenant ? undefined : tenant);
      this.databasesOf.set(prefix, [...(this.databasesOf.get(prefix) ?? []), database]);
    }
  }

  /**
   * The tenant of an event of connector `prefix` (its `source.name`) from `database` (its `source.db`);
   * `connector` is `source.connector`, which says how the server compares database names.
   */
  ofEvent(prefix: string, database: string, connector: string): Route {
    const exact = this.exact.get(`${prefix}/${database}`);
    if (exact !== undefined) return { tenant: exact };
    const databases = this.databasesOf.get(prefix);
    if (databases && CASE_INSENSITIVE_CONNECTORS.has(connector)) {
      const key = `${prefix}/${database.toLowerCase()}`;
      if (this.folded.has(key)) {
        const tenant = this.folded.get(key);
        if (tenant !== undefined) return { tenant };
        return { unrouted: `database ${JSON.stringify(database)} of ${prefix} matches several routes that differ only in case (${databases.join(', ')}), `
          + 'and the server does not tell them apart; keep one tenant per database' };
      }
    }
    if (databases) {
      // a group is SQL Server only (sqlServerGroups)
      return { unrouted: `database ${JSON.stringify(database)} of SQL Server group ${prefix} is no tenant of the group (its tenants' databases: ${databases.join(', ')}); `
        + `give the database a tenant with group: ${prefix} in the tenants file, or remove it from the connector's database.names` };
    }
    return { tenant: this.prefixes.get(prefix) ?? prefix };
  }

  /**
   * The tenant of a raw topic, for what has no readable event (lag, dead letters): a multi-database
   * connector's topic is `<prefix>.<database>.<schema>.<table>`, read like its events; any other belongs
   * to the route of its prefix, else to the prefix itself. A topic of no tenant gives ''.
   */
  ofTopic(topic: string): string {
    const [prefix, second] = topic.split('.');
    if (second !== undefined && this.databasesOf.has(prefix)) {
      const route = this.ofEvent(prefix, second, 'sqlserver');
      return 'tenant' in route ? route.tenant : '';
    }
    return this.prefixes.get(prefix) ?? prefix;
  }
}

const cache = new WeakMap<ReadonlyMap<string, string>, TenantRoutes>();

/** The lookups of a routes map, built once per map (the processor's config holds one for its life). */
export function tenantRoutesOf(routes: ReadonlyMap<string, string>): TenantRoutes {
  let lookups = cache.get(routes);
  if (!lookups) {
    lookups = new TenantRoutes(routes);
    cache.set(routes, lookups);
  }
  return lookups;
}
