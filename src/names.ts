import type { DatabaseKindName } from './tenants/rules';

/**
 * Every name tenant-cdc derives from a tenant id. These names are a contract with running systems:
 * Kafka Connect keys offsets by connector name, Debezium names topics by `topic.prefix`, PostgreSQL keeps
 * a replication slot per name. Changing any function here re-snapshots every tenant.
 */

/** The Debezium `topic.prefix` (and KafkaConnector name) of a tenant: its id, so `source.name` is the tenant. */
export function topicPrefix(tenantId: string): string {
  return tenantId;
}

/** The schema history topic of a tenant's connector: one per connector, never equal to the prefix. */
export function schemaHistoryTopic(tenantId: string): string {
  return `${tenantId}.schema-history`;
}

/**
 * The heartbeat topic every connector of a Connect cluster shares (Debezium 3.6's `topic.heartbeat.name`):
 * one topic per cluster instead of one per tenant. Its name never matches a data topic pattern.
 */
export function heartbeatTopic(connectName: string): string {
  return `__debezium-heartbeat.${connectName}`;
}

/** PostgreSQL replication slot and publication name: unique per tenant, `[a-z0-9_]{1,63}`. */
export function replicationSlotName(tenantId: string): string {
  return `dbz_${tenantId.replace(/-/g, '_')}`;
}

/** The number of dot-separated parts of a Debezium data topic, by kind. */
const DATA_TOPIC_PARTS: Record<DatabaseKindName, number> = {
  sqlserver: 4, // <prefix>.<database>.<schema>.<table>
  postgres: 3, // <prefix>.<schema>.<table>
  mysql: 3, // <prefix>.<database>.<table>
  mariadb: 3, // <prefix>.<database>.<table>
};

/**
 * An anchored regular expression that matches exactly the data topics Debezium writes for these
 * tenants: the tenant's prefix followed by the right number of parts for its kind. It never matches
 * the schema change topic (`<prefix>`), heartbeats (`__debezium-heartbeat.<prefix>`), the transaction
 * topic (`<prefix>.transaction`) or the schema history topic (`<prefix>.schema-history`).
 */
export function dataTopicPattern(tenants: ReadonlyArray<{ readonly id: string; readonly kind: DatabaseKindName }>): string {
  const byParts = new Map<number, string[]>();
  for (const tenant of tenants) {
    const parts = DATA_TOPIC_PARTS[tenant.kind];
    if (!byParts.has(parts)) byParts.set(parts, []);
    byParts.get(parts)!.push(topicPrefix(tenant.id));
  }
  const alternatives = [...byParts.entries()].sort(([a], [b]) => a - b).map(([parts, prefixes]) => {
    const ids = [...prefixes].sort().map(escapeRegExp).join('|');
    return `(?:${ids})${'\\.[^.]+'.repeat(parts - 1)}`;
  });
  return `^(?:${alternatives.join('|')})$`;
}

/** True when `topic` has the shape of a data topic of one of these tenants: what `dataTopicPattern` matches. */
export function isDataTopic(topic: string, tenants: ReadonlyArray<{ readonly id: string; readonly kind: DatabaseKindName }>): boolean {
  const parts = topic.split('.');
  return tenants.some((tenant) => topicPrefix(tenant.id) === parts[0] && DATA_TOPIC_PARTS[tenant.kind] === parts.length && parts.every((p) => p.length > 0));
}

/** Escapes a literal for use inside a regular expression (Java and JavaScript alike). */
export function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The smallest binlog server id tenant-cdc hands out, clear of typical replica ids (1-999). */
const MIN_SERVER_ID = 1000;
const MAX_SERVER_ID = 4294967295;

/**
 * Assigns each tenant read from a binlog (MySQL and MariaDB alike) a stable `database.server.id`: a hash
 * of its id, moved to the next free number only when two tenants on the same server would collide.
 * Order-independent, because the tenants of one server are visited in id order.
 */
export function binlogServerIds(tenants: ReadonlyArray<{ readonly id: string; readonly server: string }>): Map<string, number> {
  const ids = new Map<string, number>();
  const taken = new Map<string, Set<number>>();
  for (const tenant of [...tenants].sort((a, b) => compare(a.id, b.id))) {
    const used = taken.get(tenant.server) ?? new Set<number>();
    taken.set(tenant.server, used);
    let serverId = MIN_SERVER_ID + (fnv1a(tenant.id) % (MAX_SERVER_ID - MIN_SERVER_ID));
    while (used.has(serverId)) serverId = serverId >= MAX_SERVER_ID ? MIN_SERVER_ID : serverId + 1;
    used.add(serverId);
    ids.set(tenant.id, serverId);
  }
  return ids;
}

/** @deprecated use `binlogServerIds`, which is the same function under the name that covers MariaDB too */
export const mysqlServerIds = binlogServerIds;

/** 32-bit FNV-1a: small, stable across platforms and Node versions. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Locale-independent string order, so output never depends on the machine's locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
