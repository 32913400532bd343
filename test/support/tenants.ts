import { Testing } from 'cdk8s';
import { CdcPlatform, TenantsFile, TenantsFileError } from '../../src';

/** A small tenants file with all three kinds and Confluent Cloud auth. */
export function sampleTenants(overrides: Partial<TenantsFile> = {}): TenantsFile {
  return {
    namespace: 'cdc',
    kafka: {
      bootstrapServers: 'pkc-test.westeurope.azure.confluent.cloud:9092',
      auth: { mechanism: 'plain', username: 'APIKEY', passwordSecret: { name: 'ccloud', key: 'api-secret' } },
    },
    connect: { name: 'cdc-connect', build: { image: 'registry.example.com/connect:1' } },
    // the processor's own API key, so Connect and the processor are principals of their own
    processor: { kafkaAuth: { username: 'PROCESSORKEY', passwordSecret: { name: 'ccloud-processor', key: 'api-secret' } } },
    defaults: { database: { kind: 'sqlserver', port: 1433 }, tables: ['dbo.Orders'] },
    tenants: [
      { id: 'acme', database: { host: 'acme.example.com', name: 'Acme' }, credentials: { secret: 'acme-db' } },
      { id: 'globex', database: { kind: 'postgres', host: 'pg.example.com', name: 'globex' }, credentials: { secret: 'globex-db' }, tables: ['public.orders'] },
      { id: 'hooli', database: { kind: 'mysql', host: 'my.example.com', name: 'hooli' }, credentials: { secret: 'hooli-db' }, tables: ['hooli.orders'] },
    ],
    ...overrides,
  };
}

/** Two PostgreSQL tenants on two Connect clusters (`debezium-connect`, `debezium-connect-b`), with `monitoring` on. */
export function monitoredTwoClusterTenants(): TenantsFile {
  return {
    namespace: 'cdc',
    kafka: { bootstrapServers: 'kafka.example.com:9092' },
    connect: { name: 'debezium-connect', build: { image: 'registry.example.com/connect:1' }, clusters: [{ name: 'debezium-connect-b' }] },
    tenants: [
      { id: 'acme', database: { kind: 'postgres', host: 'pg.example.com', name: 'acme' }, credentials: { secret: 'acme-db' }, tables: ['public.orders'] },
      { id: 'initech', connect: 'debezium-connect-b', database: { kind: 'postgres', host: 'pg.example.com', name: 'initech' }, credentials: { secret: 'initech-db' }, tables: ['public.orders'] },
    ],
    monitoring: { labels: { release: 'prometheus' } },
  };
}

const KINDS = ['sqlserver', 'postgres', 'mysql'] as const;

/**
 * Generates a tenants file of `count` tenants spread over all kinds and several shared servers,
 * the way a platform team's file looks: mostly defaults, some tenants with their own settings.
 * `seed` varies names, so each call can produce a file the tests have never seen.
 */
export function generatedTenants(count: number, options: { seed?: number; auth?: boolean; clusters?: number } = {}): TenantsFile {
  let state = options.seed ?? 1;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const tenants: TenantsFile['tenants'] = [];
  for (let i = 0; i < count; i++) {
    const kind = KINDS[Math.floor(random() * KINDS.length)];
    const id = `t${Math.floor(random() * 1e6).toString(36)}-${i}`;
    const server = `${kind}-${Math.floor(random() * 20)}.db.example.com`;
    const name = kind === 'postgres' ? `tenant_${i}` : `Tenant${i}`;
    const schema = kind === 'sqlserver' ? 'dbo' : kind === 'postgres' ? 'public' : name;
    tenants.push({
      id,
      database: { kind, host: server, name, ...(random() < 0.2 && { port: 10000 + i }) },
      credentials: { secret: `${id}-db`, ...(random() < 0.1 && { usernameKey: 'user', passwordKey: 'pass' }) },
      tables: [`${schema}.orders`, `${schema}.customers`, ...(random() < 0.5 ? [`${schema}.invoices`] : [])],
      ...(random() < 0.1 && { state: 'paused' as const }),
      ...(random() < 0.1 && { snapshotMode: 'no_data' }),
      // some tenants pinned to a shard; the others placed by hashing
      ...((options.clusters ?? 1) > 1 && random() < 0.05 && { connect: `cdc-${1 + Math.floor(random() * ((options.clusters ?? 1) - 1))}` }),
    });
  }
  return {
    namespace: 'cdc',
    kafka: {
      bootstrapServers: 'pkc-gen.westeurope.azure.confluent.cloud:9092',
      ...(options.auth !== false && {
        auth: { mechanism: random() < 0.5 ? 'plain' as const : 'scram-sha-512' as const, username: 'GENKEY', passwordSecret: { name: 'kafka-credentials', key: 'password' } },
        // half of the files name a private CA, as for a Strimzi-managed Kafka
        ...(random() < 0.5 && { tls: { caSecret: { name: 'kafka-ca', key: 'ca.crt' } } }),
      }),
    },
    connect: {
      name: 'cdc', replicas: 3, build: { image: 'registry.example.com/connect-debezium:gen', pushSecret: 'push' },
      ...((options.clusters ?? 1) > 1 && { clusters: Array.from({ length: (options.clusters ?? 1) - 1 }, (_, i) => ({ name: `cdc-${i + 1}` })) }),
    },
    processor: {
      image: 'registry.example.com/processor:gen', outputTopic: 'final.events',
      ...(options.auth !== false && { kafkaAuth: { username: 'GENPROCESSORKEY', passwordSecret: { name: 'kafka-processor', key: 'password' } } }),
    },
    tenants,
  };
}

/** The problems CdcPlatform lists for a tenants file it rejects (fails the test when it accepts it). */
export function platformProblems(file: TenantsFile): readonly string[] {
  try {
    new CdcPlatform(Testing.chart(), 'cdc', file);
  } catch (error) {
    if (error instanceof TenantsFileError) return error.problems;
    throw error;
  }
  throw new Error('expected the file to be rejected');
}
