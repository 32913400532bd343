import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { kafkaAclsOf, PrincipalAcls } from './acls/kafka-acls';
import { KafkaUser } from './acls/kafka-user';
import { ConnectCluster } from './connect-cluster';
import { DEBEZIUM_PLUGINS, pluginVersion } from './connectors/database-kind';
import { DebeziumConnector } from './connectors/debezium-connector';
import { EventProcessor } from './event-processor';
import type { TableMasks } from './processor/column-masks';
import { sizeConnectCluster } from './fleet/sizing';
import { budgetProblems } from './footprint/budget';
import { FOOTPRINT_KINDS, KafkaFootprint, kafkaFootprintByCluster, SynthesizedObject } from './footprint/kafka-footprint';
import { KafkaAuth, principalOf } from './kafka-connection';
import { MariaDbConnector } from './connectors/mariadb-connector';
import { CdcMonitoring } from './monitoring/cdc-monitoring';
import { MySqlConnector } from './connectors/mysql-connector';
import { binlogServerIds, dataTopicPattern, topicPrefix } from './names';
import { PostgresConnector } from './connectors/postgres-connector';
import { connectClusterOwnerOf, ownedByConnectCluster } from './output/connect-cluster-owner';
import { SecretAccess, secretNamesProblem } from './secret-access';
import { notificationTopic, signalTopic } from './snapshots/signal-config';
import { SqlServerConnector } from './connectors/sqlserver-connector';
import { SqlServerGroupConnector } from './connectors/sqlserver-group-connector';
import { BINLOG_KINDS } from './tenants/rules';
import { TenantsFile } from './tenants/schema';
import { ResolvedConnectCluster, ResolvedSqlServerGroup, ResolvedTenant, ResolvedTenantsFile, resolveTenantsFile, TenantsFileError } from './tenants/validate';

/** The props of `CdcPlatform` are the tenants file: `loadTenantsFile()` returns them, or write them in TypeScript. */
export interface CdcPlatformProps extends TenantsFile {}

/**
 * Defines everything a cluster needs to capture every tenant database with Debezium: the Strimzi Connect
 * cluster (or several, as shards), one connector per tenant, one Role per Connect cluster that lets it read
 * exactly the Secrets its connectors reference, and the event processor that writes one tenant-aware topic.
 *
 * Construct ids and object names come from tenant and cluster names, never from list positions, and
 * tenants are visited in id order, so the output does not depend on the order of the tenants file.
 */
export class CdcPlatform extends Construct {
  /** The tenants file with every default applied. */
  public readonly config: ResolvedTenantsFile;
  /** The first Connect cluster (`connect:`). */
  public readonly connectCluster: ConnectCluster;
  /** Every Connect cluster, by name, the first one first. */
  public readonly connectClusters: ReadonlyMap<string, ConnectCluster>;
  public readonly processor: EventProcessor;
  /** The KafkaUsers of the principals, by user name, when the props ask for `kafka.acls.kafkaUsers`. */
  public readonly kafkaUsers: ReadonlyMap<string, KafkaUser>;
  /** The PodMonitors, ServiceMonitor and alerts, when the props ask for `monitoring`. */
  public readonly monitoring?: CdcMonitoring;
  /** The connector of each tenant, by tenant id (a SQL Server group's tenants share their group's). */
  public readonly connectors: ReadonlyMap<string, DebeziumConnector>;
  /** The Role (and RoleBinding) of each Connect cluster that references any Secret, by cluster name. */
  public readonly secretAccess: ReadonlyMap<string, SecretAccess>;
  /** Things that synthesize but need attention, e.g. an image with no Debezium plugins. */
  public readonly warnings: readonly string[];

  /** @throws TenantsFileError listing every problem of the props */
  constructor(scope: Construct, id: string, props: CdcPlatformProps) {
    super(scope, id);
    const config = resolveTenantsFile(props);
    this.config = config;
    const warnings: string[] = [];

    const clusters = new Map<string, ConnectCluster>();
    for (const [index, cluster] of config.clusters.entries()) {
      clusters.set(cluster.name, this.addConnectCluster(index === 0 ? 'Connect' : `Connect-${cluster.name}`, cluster, warnings));
    }
    this.connectClusters = clusters;
    this.connectCluster = clusters.get(config.connect.name)!;

    // MySQL and MariaDB tenants on one server join its replication alike, so their server ids share one space
    const serverIds = binlogServerIds(config.tenants.filter((t) => BINLOG_KINDS.includes(t.database.kind))
      .map((t) => ({ id: t.id, server: `${t.database.host.toLowerCase()}:${t.database.port}` })));
    const tenants = new Construct(this, 'Tenants');
    const connectors = new Map<string, DebeziumConnector>();
    for (const tenant of config.tenants.filter((t) => t.group === undefined)) {
      const scope = ownedByConnectCluster(new Construct(tenants, tenant.id), tenant.connect);
      const cluster = clusters.get(tenant.connect)!;
      connectors.set(tenant.id, this.addConnector(scope, cluster, tenant, serverIds.get(tenant.id)));
    }
    const groups = new Construct(this, 'SqlServerGroups');
    const tenantRoutes: Record<string, string> = {};
    for (const group of config.sqlServerGroups) {
      const members = config.tenants.filter((t) => t.group === group.name);
      if (members.length === 0) {
        warnings.push(`sqlServerGroups: group ${group.name} has no tenants, so it gets no connector; give tenants \`group: ${group.name}\` or remove it`);
        continue;
      }
      const connector = this.addGroupConnector(ownedByConnectCluster(new Construct(groups, group.name), group.connect), clusters.get(group.connect)!, group, members);
      for (const tenant of members) {
        connectors.set(tenant.id, connector);
        tenantRoutes[`${group.name}/${tenant.database.name}`] = tenant.id;
      }
    }
    this.connectors = connectors;
    this.warnings = warnings;

    this.processor = new EventProcessor(this, 'Processor', {
      name: `${config.connect.name}-processor`,
      namespace: config.namespace,
      image: config.processor.image,
      replicas: config.processor.replicas,
      kafka: config.processor.kafka,
      // a group's connector serves several tenants: each connector's topics once
      sourceTopicPattern: dataTopicPattern([...new Set(connectors.values())].map((c) => ({ id: c.topicPrefix, kind: c.kind }))),
      sinkTopic: config.processor.outputTopic,
      tenantRoutes,
      columnMasks: columnMasksOf(config),
      maskingSalt: config.masking?.salt,
      // the processor signals snapshots of tables added to running connectors (src/snapshots/)
      snapshotConnectors: Object.fromEntries([...new Set(connectors.values())].map((c) => [c.topicPrefix, {
        signals: signalTopic(c.clusterName), notifications: notificationTopic(c.clusterName), tables: c.dataCollections,
      }])),
    });

    this.kafkaUsers = this.addKafkaUsers(warnings);
    if (props.output?.split === 'connect-cluster') {
      // Applications sync on their own on day 2: a new tenant's connector may start before shared/'s KafkaUser has its ACLs
      const shared = config.clusters.filter((c) => c.kafka.auth && this.kafkaUsers.has(c.kafka.auth.username) && connectClusterOwnerOf(this.kafkaUsers.get(c.kafka.auth.username)!) === undefined);
      if (shared.length > 0) {
        warnings.push(`output.split: Connect cluster${shared.length > 1 ? 's' : ''} ${shared.map((c) => c.name).join(', ')} log${shared.length > 1 ? '' : 's'} in as a KafkaUser `
          + 'that goes to shared/ (another client logs in as it too), and the Applications of shared/ and a cluster sync independently on day 2, so a new '
          + 'tenant\'s connector may start before its ACLs exist and fail until restarted; give each Connect cluster its own login (connect.kafkaAuth, connect.clusters[].kafkaAuth)');
      }
    }

    if (props.monitoring) {
      this.monitoring = new CdcMonitoring(this, 'Monitoring', {
        settings: props.monitoring, config, connectClusters: [...clusters.values()], processorName: this.processor.name,
      });
      warnings.push(...this.monitoring.warnings);
    }

    this.secretAccess = this.addSecretAccess([...new Set(connectors.values())]);

    const budget = config.kafka.budget;
    if (budget) this.node.addValidation({ validate: () => budgetProblems(this.kafkaFootprint(), budget) });
  }

  /**
   * Topics, partitions and Kafka clients of what this platform synthesizes, per Connect cluster, counted
   * from the objects themselves (so settings added with `addConfig` count too).
   */
  public kafkaFootprint(): Map<string, KafkaFootprint> {
    // only the KafkaConnects and KafkaConnectors count: rendering the Roles as well would add
    // the cost of the budget's validation, which runs before synth renders everything
    const objects = this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && FOOTPRINT_KINDS.has(c.kind))
      .map((o) => o.toJson() as SynthesizedObject);
    return kafkaFootprintByCluster(objects);
  }

  /**
   * The Kafka ACLs each principal needs (one per Connect cluster, one for the processor, fewer when they
   * share credentials), computed from the objects themselves like `kafkaFootprint()`.
   */
  public kafkaAcls(): PrincipalAcls[] {
    const objects = this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && ACL_KINDS.has(c.kind))
      .map((o) => o.toJson() as SynthesizedObject);
    return kafkaAclsOf(objects);
  }

  /**
   * One Role and RoleBinding per Connect cluster, last in the output: a tenant added or removed changes its
   * cluster's Role, and next to the processor's Deployment (which changes then too) the plan finds both quickly.
   * Per-tenant Roles would add two objects per tenant and no isolation: all bind the same ServiceAccount.
   */
  private addSecretAccess(connectors: readonly DebeziumConnector[]): Map<string, SecretAccess> {
    // exactly what the connectors reference: their database login and the Kafka login of their signal and schema history clients
    const secretsByCluster = new Map(this.config.clusters.map((c) => [c.name, connectors.filter((k) => k.clusterName === c.name).flatMap((k) => k.secretNames)]));
    const problems: string[] = [];
    for (const [index, cluster] of this.config.clusters.entries()) {
      const tooMany = secretNamesProblem(secretsByCluster.get(cluster.name)!);
      if (!tooMany) continue;
      const where = index === 0 ? 'connect' : `connect.clusters[${index - 1}]`;
      problems.push(`${where}: Connect cluster ${cluster.name} reads ${tooMany}; split its tenants over more Connect clusters (connect.clusters, docs/fleets.md)`);
    }
    if (problems.length > 0) throw new TenantsFileError(problems);
    const access = new Map<string, SecretAccess>();
    for (const [index, cluster] of this.config.clusters.entries()) {
      const secretNames = secretsByCluster.get(cluster.name)!;
      if (secretNames.length === 0) continue;
      const connect = this.connectClusters.get(cluster.name)!;
      access.set(cluster.name, ownedByConnectCluster(new SecretAccess(this, index === 0 ? 'SecretAccess' : `SecretAccess-${cluster.name}`, {
        name: `${cluster.name}-connect-secrets`,
        namespace: this.config.namespace,
        secretNames,
        serviceAccountName: connect.serviceAccountName,
      }), cluster.name));
    }
    return access;
  }

  /** A KafkaUser per principal with `kafka.acls.kafkaUsers`; warns when Connect and the processor share one. */
  private addKafkaUsers(warnings: string[]): Map<string, KafkaUser> {
    const config = this.config;
    const clients: Array<[string, KafkaAuth | undefined]> = [
      ...config.clusters.map((c): [string, KafkaAuth | undefined] => [`Connect cluster ${c.name}`, c.kafka.auth]),
      [`the processor`, config.processor.kafka.auth],
    ];
    const processorAuth = config.processor.kafka.auth;
    if (processorAuth && config.clusters.some((c) => c.kafka.auth && principalOf(c.kafka.auth) === principalOf(processorAuth))) {
      warnings.push(`kafka: the processor and a Connect cluster log in as the same principal (${principalOf(processorAuth)}), so each may do what the other's ACLs allow `
        + '(the processor could write change topics, Connect the final topic); give each its own credentials with processor.kafkaAuth and connect.kafkaAuth');
    }
    const users = new Map<string, KafkaUser>();
    const settings = config.kafka.acls?.kafkaUsers;
    if (!settings) return users;
    const scope = new Construct(this, 'KafkaUsers');
    for (const [, auth] of clients) {
      if (!auth || users.has(auth.username)) continue;
      const principal = principalOf(auth);
      const user = new KafkaUser(scope, auth.username, {
        kafkaCluster: settings.cluster,
        namespace: settings.namespace ?? config.namespace,
        auth,
        grants: () => this.kafkaAcls().find((p) => p.principal === principal)?.grants ?? [],
      });
      users.set(auth.username, user);
      // a user that only one Connect cluster logs in as goes with that cluster in a split output; else it is shared
      const loggingIn = clients.filter(([, a]) => a?.username === auth.username).map(([client]) => client);
      const only = config.clusters.find((c) => loggingIn.length === 1 && loggingIn[0] === `Connect cluster ${c.name}`);
      if (only) ownedByConnectCluster(user, only.name);
    }
    if (config.kafka.auth?.mechanism === 'plain') {
      warnings.push('kafka.acls.kafkaUsers: Strimzi\'s listeners offer SCRAM-SHA-512, not PLAIN, so the KafkaUsers carry ACLs only and no credentials; '
        + 'use mechanism scram-sha-512 with a Strimzi-managed Kafka');
    }
    return users;
  }

  private addConnectCluster(id: string, cluster: ResolvedConnectCluster, warnings: string[]): ConnectCluster {
    const config = this.config;
    const tenants = config.tenants.filter((t) => t.connect === cluster.name);
    if (!cluster.image && !cluster.build) {
      warnings.push(`connect: neither an image nor a build is set for Connect cluster ${cluster.name}, so it runs Strimzi's image, which has no `
        + 'Debezium plugins and every connector will fail; set connect.image to a prebuilt image with the plugins, or connect.build to have Strimzi build one');
    }
    if (tenants.length === 0) warnings.push(`connect: Connect cluster ${cluster.name} has no tenants (none pinned to it, none placed on it)`);
    const sizing = sizeConnectCluster(cluster, runningTasks(tenants, config.sqlServerGroups));
    warnings.push(...sizing.warnings);
    const kinds = tenants.length > 0 ? tenants.map((t) => t.database.kind) : config.tenants.map((t) => t.database.kind);
    for (const kind of [...new Set(kinds)].sort()) {
      const built = pluginVersion(kind, cluster.debeziumVersion);
      if (built !== cluster.debeziumVersion) {
        warnings.push(`connect: Maven Central has ${DEBEZIUM_PLUGINS[kind].artifact} up to ${built} only, so Connect cluster ${cluster.name} builds it at ${built}, `
          + `beside ${cluster.debeziumVersion} for the other kinds (docs/generated-objects.md: What it generates)`);
      }
    }
    const connect = ownedByConnectCluster(new ConnectCluster(this, id, {
      name: cluster.name,
      namespace: config.namespace,
      kafka: cluster.kafka,
      replicas: sizing.replicas,
      memory: sizing.memory,
      cpu: cluster.cpu,
      image: cluster.image,
      build: cluster.build,
      debeziumVersion: cluster.debeziumVersion,
      plugins: [...new Set(kinds)],
    }), cluster.name);
    return connect;
  }

  /** One connector for every database of a SQL Server group. */
  private addGroupConnector(scope: Construct, cluster: ConnectCluster, group: ResolvedSqlServerGroup, members: readonly ResolvedTenant[]): DebeziumConnector {
    return new SqlServerGroupConnector(scope, 'Connector', {
      cluster,
      groupName: group.name,
      host: group.host,
      port: group.port,
      databases: members.map((t) => t.database.name),
      credentials: group.credentials,
      // validation made sure every member captures the same tables
      tables: members[0].tables,
      columns: members[0].columns,
      hashSalt: this.config.masking?.salt,
      tasks: group.tasks,
      snapshotMode: group.snapshotMode,
      state: group.state,
      topicPartitions: members[0].topicPartitions,
      heartbeatIntervalMs: members[0].heartbeatIntervalMs,
    });
  }

  private addConnector(scope: Construct, cluster: ConnectCluster, tenant: ResolvedTenant, serverId: number | undefined): DebeziumConnector {
    const props = {
      cluster,
      tenantId: tenant.id,
      database: tenant.database,
      credentials: tenant.credentials,
      tables: tenant.tables,
      columns: tenant.columns,
      hashSalt: this.config.masking?.salt,
      snapshotMode: tenant.snapshotMode,
      state: tenant.state,
      topicPartitions: tenant.topicPartitions,
      heartbeatIntervalMs: tenant.heartbeatIntervalMs,
    };
    switch (tenant.database.kind) {
      case 'sqlserver': return new SqlServerConnector(scope, 'Connector', props);
      case 'postgres': return new PostgresConnector(scope, 'Connector', props);
      case 'mysql': return new MySqlConnector(scope, 'Connector', { ...props, serverId });
      case 'mariadb': return new MariaDbConnector(scope, 'Connector', { ...props, serverId });
    }
  }
}

/**
 * The masks of each connector (a group's tenants share theirs), for the processor: Debezium masks character
 * columns only, so the processor masks what arrives unmasked. Exclude and truncate are Debezium's alone.
 */
function columnMasksOf(config: ResolvedTenantsFile): Record<string, Record<string, TableMasks>> {
  const masks: Record<string, Record<string, TableMasks>> = {};
  // a group's tenants have the same rules (validation); its connector's topic prefix is the group's name
  const byPrefix = new Map<string, ResolvedTenant>();
  for (const tenant of config.tenants) {
    const prefix = tenant.group ?? topicPrefix(tenant.id);
    if (!byPrefix.has(prefix)) byPrefix.set(prefix, tenant);
  }
  for (const [prefix, tenant] of byPrefix) {
    for (const rules of tenant.columns) {
      const hash = rules.hash ?? [];
      const asterisks = rules.asterisks ?? {};
      if (hash.length === 0 && Object.keys(asterisks).length === 0) continue;
      (masks[prefix] ??= {})[rules.table] = { ...(hash.length > 0 && { hash }), ...(Object.keys(asterisks).length > 0 && { asterisks }) };
    }
  }
  return masks;
}

/** The kinds of object the ACLs are computed from: rendering the Roles too would add to the cost. */
const ACL_KINDS: ReadonlySet<string> = new Set(['KafkaConnect', 'KafkaConnector', 'Deployment']);

/** Tasks that run on a cluster: one per running tenant, and a group's tasks (no more than its databases). */
function runningTasks(tenants: readonly ResolvedTenant[], groups: readonly ResolvedSqlServerGroup[]): number {
  const single = tenants.filter((t) => t.group === undefined && t.state !== 'stopped').length;
  const grouped = groups.filter((g) => g.state !== 'stopped').reduce((sum, g) => {
    const members = tenants.filter((t) => t.group === g.name).length;
    return sum + Math.min(g.tasks, members);
  }, 0);
  return single + grouped;
}
