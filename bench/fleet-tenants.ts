import type { TenantsFile } from '../src';
import { madeUpPassword } from '../test/e2e/support/connect';
import { PsqlSession } from './psql-session';

/** A generated PostgreSQL tenant: its own database, a user Debezium replicates as, and the Secret holding its login. */
export interface FleetTenant {
  readonly id: string;
  readonly database: string;
  readonly user: string;
  /** Made up at run time. */
  readonly password: string;
  readonly secret: string;
}

/** The tables every tenant database has, all captured, with the rows they start with (`g` counts from 1). */
const TABLES = [
  { name: 'orders', columns: 'id int PRIMARY KEY, customer text NOT NULL, total numeric(10,2) NOT NULL', row: `g, 'customer-' || g, g * 1.25` },
  { name: 'customers', columns: 'id int PRIMARY KEY, name text NOT NULL', row: `g, 'customer ' || g` },
  { name: 'products', columns: 'id int PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL', row: `g, 'product ' || g, g * 2.5` },
] as const;
export const FLEET_TABLES = TABLES.map((t) => t.name);
/** The table the bench's changes go to; `changeSql` writes one. */
export const CHANGED_TABLE = 'orders';
/** Ids of the rows the bench inserts; the seeded rows stay below. */
export const FIRST_CHANGE_ID = 1_000_000;

/** One change: a committed insert of a new order, identified by its id. */
export function changeSql(id: number): string {
  return `INSERT INTO public.${CHANGED_TABLE} VALUES (${id}, 'fleet change', 1.00);`;
}

export function fleetTenants(count: number): FleetTenant[] {
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => {
    const id = `t${String(i + 1).padStart(width, '0')}`;
    return { id, database: id, user: `${id}_cdc`, password: madeUpPassword(), secret: `${id}-db` };
  });
}

/**
 * The tenants file of the fleet: one Connect cluster of one worker with the plugins Strimzi would build,
 * every tenant on the one PostgreSQL. `connect` is merged into the `connect` block as it is (BENCH_CONNECT),
 * so settings the constructs gain later can be measured without changing this file.
 */
export function fleetTenantsFile(options: {
  readonly tenants: readonly FleetTenant[];
  readonly namespace: string;
  readonly bootstrapServers: string;
  readonly postgresPort: number;
  readonly connect?: Record<string, unknown>;
}): TenantsFile {
  return {
    namespace: options.namespace,
    kafka: { bootstrapServers: options.bootstrapServers },
    connect: { name: 'fleet', replicas: 1, build: { image: 'registry.example.com/connect-debezium:fleet' }, ...options.connect },
    processor: { outputTopic: 'fleet.events', replicas: 1 },
    defaults: { database: { kind: 'postgres', host: '127.0.0.1', port: options.postgresPort }, tables: FLEET_TABLES.map((t) => `public.${t}`) },
    tenants: options.tenants.map((t) => ({ id: t.id, database: { name: t.database }, credentials: { secret: t.secret } })),
  };
}

/**
 * Creates each tenant's user (LOGIN REPLICATION), database and tables, owned by that user (Debezium's
 * filtered publication needs the owner), with `rowsPerTable` rows each that exist before capture.
 */
export async function createTenantDatabases(psql: PsqlSession, tenants: readonly FleetTenant[], rowsPerTable: number,
  onProgress: (done: number) => void): Promise<void> {
  for (const [i, tenant] of tenants.entries()) {
    // CREATE DATABASE cannot share a transaction with anything: one statement per call
    await psql.run(`CREATE USER ${tenant.user} WITH LOGIN REPLICATION PASSWORD '${tenant.password}';`);
    await psql.run(`CREATE DATABASE ${tenant.database} OWNER ${tenant.user};`);
    const tables = TABLES.map((t) => `CREATE TABLE public.${t.name} (${t.columns});
      INSERT INTO public.${t.name} SELECT ${t.row} FROM generate_series(1, ${rowsPerTable}) g;`);
    await psql.run(`SET ROLE ${tenant.user}; ${tables.join('\n')} RESET ROLE;`, tenant.database);
    onProgress(i + 1);
  }
}
