import { madeUpPassword } from '../test/e2e/support/connect';
import { FleetPostgres } from './fleet-stack';
import { FleetTenant } from './fleet-tenants';

/** Keeps psql from warning about a session that ended by itself before it was terminated. */
const QUIET = 'SET client_min_messages = error; ';

/** The wrong password: changed in PostgreSQL (not in the Secret), and the tenant's sessions ended, as a failover would. */
export function breakPassword(postgres: FleetPostgres, tenant: FleetTenant): void {
  postgres.psql(`ALTER USER ${tenant.user} PASSWORD '${madeUpPassword()}'`);
  postgres.psql(`${QUIET}SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${tenant.user}'`);
}

/**
 * The dropped database: PostgreSQL refuses to drop a database with a replication slot, so its sessions
 * are ended and the slot dropped first (before Debezium reconnects), as whoever removes a tenant would.
 */
export function dropDatabase(postgres: FleetPostgres, tenant: FleetTenant): void {
  for (let attempt = 1; ; attempt++) {
    try {
      postgres.psql(`${QUIET}SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '${tenant.database}'`);
      postgres.psql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '${tenant.database}'`);
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
    }
  }
  postgres.psql(`DROP DATABASE ${tenant.database} WITH (FORCE)`);
}
