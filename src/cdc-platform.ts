import { Construct } from 'constructs';
import { ConnectCluster } from './connect-cluster';
import { DebeziumConnector } from './debezium-connector';
import { EventProcessor } from './event-processor';
import { TENANT_LABEL } from './labels';
import { MySqlConnector } from './mysql-connector';
import { dataTopicPattern, mysqlServerIds } from './names';
import { PostgresConnector } from './postgres-connector';
import { SecretAccess } from './secret-access';
import { SqlServerConnector } from './sqlserver-connector';
import { TenantsFile } from './tenants/schema';
import { ResolvedTenant, ResolvedTenantsFile, resolveTenantsFile } from './tenants/validate';

/** The props of `CdcPlatform` are the tenants file: `loadTenantsFile()` returns them, or write them in TypeScript. */
export interface CdcPlatformProps extends TenantsFile {}

/**
 * Defines everything a cluster needs to capture every tenant database with Debezium: the Strimzi Connect
 * cluster, one connector per tenant, the RBAC that lets Connect read each tenant's credentials, and the
 * event processor that writes one tenant-aware topic.
 *
 * Construct ids and object names come from tenant ids, never from list positions, and tenants are
 * visited in id order, so the output does not depend on the order of the tenants file.
 */
export class CdcPlatform extends Construct {
  /** The tenants file with every default applied. */
  public readonly config: ResolvedTenantsFile;
  public readonly connectCluster: ConnectCluster;
  public readonly processor: EventProcessor;
  /** The connector of each tenant, by tenant id. */
  public readonly connectors: ReadonlyMap<string, DebeziumConnector>;
  /** Things that synthesize but need attention, e.g. an image with no Debezium plugins. */
  public readonly warnings: readonly string[];

  /** @throws TenantsFileError listing every problem of the props */
  constructor(scope: Construct, id: string, props: CdcPlatformProps) {
    super(scope, id);
    const config = resolveTenantsFile(props);
    this.config = config;
    this.warnings = config.connect.image || config.connect.build ? [] : [
      'connect: neither connect.image nor connect.build is set, so Connect runs Strimzi\'s image, which has no Debezium plugins '
      + 'and every connector will fail; set connect.image to a prebuilt image with the plugins, or connect.build to have Strimzi build one',
    ];

    this.connectCluster = new ConnectCluster(this, 'Connect', {
      name: config.connect.name,
      namespace: config.namespace,
      kafka: config.kafka,
      replicas: config.connect.replicas,
      image: config.connect.image,
      build: config.connect.build,
      debeziumVersion: config.debeziumVersion,
      plugins: [...new Set(config.tenants.map((t) => t.database.kind))],
    });

    if (config.kafka.auth) {
      // the schema history clients of SQL Server and MySQL connectors log in with the Kafka password
      new SecretAccess(this, 'KafkaCredentialsAccess', {
        name: `${config.connect.name}-kafka-credentials`,
        namespace: config.namespace,
        secretNames: [config.kafka.auth.passwordSecret.name],
        serviceAccountName: this.connectCluster.serviceAccountName,
      });
    }

    const serverIds = mysqlServerIds(config.tenants.filter((t) => t.database.kind === 'mysql')
      .map((t) => ({ id: t.id, server: `${t.database.host.toLowerCase()}:${t.database.port}` })));
    const tenants = new Construct(this, 'Tenants');
    const connectors = new Map<string, DebeziumConnector>();
    for (const tenant of config.tenants) {
      const scope = new Construct(tenants, tenant.id);
      new SecretAccess(scope, 'CredentialsAccess', {
        name: `${config.connect.name}-tenant-${tenant.id}`,
        namespace: config.namespace,
        secretNames: [tenant.credentials.secret],
        serviceAccountName: this.connectCluster.serviceAccountName,
        labels: { [TENANT_LABEL]: tenant.id },
      });
      connectors.set(tenant.id, this.addConnector(scope, tenant, serverIds.get(tenant.id)));
    }
    this.connectors = connectors;

    this.processor = new EventProcessor(this, 'Processor', {
      name: `${config.connect.name}-processor`,
      namespace: config.namespace,
      image: config.processor.image,
      replicas: config.processor.replicas,
      kafka: config.kafka,
      sourceTopicPattern: dataTopicPattern(config.tenants.map((t) => ({ id: t.id, kind: t.database.kind }))),
      sinkTopic: config.processor.outputTopic,
    });
  }

  private addConnector(scope: Construct, tenant: ResolvedTenant, mysqlServerId: number | undefined): DebeziumConnector {
    const props = {
      cluster: this.connectCluster,
      tenantId: tenant.id,
      database: tenant.database,
      credentials: tenant.credentials,
      tables: tenant.tables,
      snapshotMode: tenant.snapshotMode,
      state: tenant.state,
    };
    switch (tenant.database.kind) {
      case 'sqlserver': return new SqlServerConnector(scope, 'Connector', props);
      case 'postgres': return new PostgresConnector(scope, 'Connector', props);
      case 'mysql': return new MySqlConnector(scope, 'Connector', { ...props, serverId: mysqlServerId });
    }
  }
}
