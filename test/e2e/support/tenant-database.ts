import { madeUpPassword } from './connect';
import { putSecret } from './kubernetes';

/** What the tests need of the PostgreSQL server scripts/stack.mjs startPostgres runs. */
export interface Psql {
  psql(sql: string, db?: string): string;
}

/** The database (and login prefix) the tests give a tenant: its id with `_` for `-`. */
export const databaseOf = (id: string): string => id.replace(/-/g, '_');

/**
 * A PostgreSQL tenant as its DBA prepares it for tenant-cdc: a login `<db>_cdc` with REPLICATION and a
 * password made up now, a database `<db>` it owns, `schemaSql` run as that login inside it (so the login owns
 * the tables, which adding them to Debezium's publication requires), and the credentials Secret `<id>-db` in `namespace`.
 * Returns the database name.
 */
export function createPostgresTenant(postgres: Psql, namespace: string, id: string, schemaSql: string): string {
  const db = databaseOf(id);
  const user = `${db}_cdc`;
  const password = madeUpPassword();
  postgres.psql(`CREATE USER ${user} WITH LOGIN REPLICATION PASSWORD '${password}'`);
  postgres.psql(`CREATE DATABASE ${db} OWNER ${user}`);
  postgres.psql(`SET ROLE ${user}; ${schemaSql}`, db);
  putSecret(namespace, `${id}-db`, { username: user, password });
  return db;
}
