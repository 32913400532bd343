import { DEBEZIUM_PLUGINS } from '../../connectors/database-kind';
import type { SynthesizedObject } from '../../footprint/kafka-footprint';
import { GROUP_LABEL, TENANT_LABEL } from '../../labels';
import { PROCESSOR_ENV } from '../../processor/env';

/**
 * How each tenant is captured in a synthesized output: by which connector, on which Connect cluster,
 * with which offsets. Read from the objects alone (KafkaConnectors, KafkaConnects, the processor's
 * TENANT_ROUTES), so an output committed long ago can be read the same way as a fresh one.
 */
export interface TenantCapture {
  readonly tenant: string;
  /** The KafkaConnector: the tenant's own, or its SQL Server group's. */
  readonly connector: string;
  /** The SQL Server group, when the tenant shares its group's connector. */
  readonly group?: string;
  readonly cluster: string;
  /** The cluster's offset topic and group id: where Connect keeps this tenant's offsets. */
  readonly offsets: string;
  readonly topicPrefix: string;
  /** The database the tenant's changes come from (for a group, its entry in database.names). */
  readonly database: string;
  readonly kind: string;
  readonly state: string;
  /** The connector's config as written (credentials are placeholders). */
  readonly config: Readonly<Record<string, string>>;
}

/** Every tenant's capture in an output, by tenant id. */
export function tenantCaptures(objects: readonly SynthesizedObject[]): Map<string, TenantCapture> {
  const connects = new Map(objects.filter((o) => o.kind === 'KafkaConnect').map((c) => [c.metadata.name, c]));
  const routes = groupRoutes(objects);
  const captures = new Map<string, TenantCapture>();
  for (const connector of objects.filter((o) => o.kind === 'KafkaConnector')) {
    const labels = connector.metadata.labels ?? {};
    const cluster = labels['strimzi.io/cluster'] ?? '';
    const connect = connects.get(cluster);
    const config = Object.fromEntries(Object.entries<unknown>(connector.spec?.config ?? {}).map(([k, v]) => [k, String(v)]));
    const prefix = config['topic.prefix'] ?? connector.metadata.name;
    const base = {
      connector: connector.metadata.name,
      cluster,
      offsets: connect ? `${connect.spec?.groupId}/${connect.spec?.offsetStorageTopic}` : `(no KafkaConnect ${cluster})`,
      topicPrefix: prefix,
      kind: kindOf(String(connector.spec?.class ?? '')),
      state: String(connector.spec?.state ?? 'running'),
      config,
    };
    const group = labels[GROUP_LABEL];
    if (group !== undefined) {
      for (const database of (config['database.names'] ?? '').split(',').filter(Boolean)) {
        const tenant = routes.get(`${prefix}/${database}`) ?? `${prefix}/${database}`;
        captures.set(tenant, { ...base, tenant, group, database });
      }
    } else {
      const tenant = labels[TENANT_LABEL] ?? connector.metadata.name;
      // the binlog connectors' database.include.list is the name as an escaped regex
      const database = config['database.names'] ?? config['database.dbname'] ?? (config['database.include.list'] ?? '').replace(/\\(.)/g, '$1');
      captures.set(tenant, { ...base, tenant, database });
    }
  }
  return captures;
}

/** The processor's TENANT_ROUTES: `<prefix>/<database>` to tenant. */
function groupRoutes(objects: readonly SynthesizedObject[]): Map<string, string> {
  const routes = new Map<string, string>();
  for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
    for (const container of deployment.spec?.template?.spec?.containers ?? []) {
      const env = (container.env ?? []).find((e: { name: string }) => e.name === PROCESSOR_ENV.tenantRoutes);
      if (env?.value) for (const [from, tenant] of Object.entries<string>(JSON.parse(env.value))) routes.set(from, tenant);
    }
  }
  return routes;
}

/** The database kind of a connector class; a class tenant-cdc does not write stays as it is. */
function kindOf(connectorClass: string): string {
  return Object.entries(DEBEZIUM_PLUGINS).find(([, plugin]) => plugin.connectorClass === connectorClass)?.[0] ?? connectorClass;
}

/** The tables of a connector config's `table.include.list` (anchored, escaped regexes), as the tenants file writes them. */
export function includedTables(config: Readonly<Record<string, string>>): string[] {
  return (config['table.include.list'] ?? '').split(',').filter(Boolean).map((t) => t.replace(/\\(.)/g, '$1'));
}
