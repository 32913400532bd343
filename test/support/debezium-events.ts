/**
 * Debezium change events as Kafka Connect's JsonConverter writes them, for SQL Server, PostgreSQL, MySQL
 * and MariaDB, with or without `schemas.enable`. Shapes follow Debezium 3.6 (its documentation, "Data change events" and the JsonConverter).
 */
export type Kind = 'sqlserver' | 'postgres' | 'mysql' | 'mariadb';

export interface ChangeSpec {
  readonly kind: Kind;
  readonly prefix: string;
  readonly database: string;
  readonly table: string;
  readonly op: 'c' | 'u' | 'd' | 'r';
  readonly id: number;
  readonly before?: Record<string, unknown> | null;
  readonly after?: Record<string, unknown> | null;
  /** A position in the database log: distinct per change. */
  readonly seq: number;
  readonly withSchema?: boolean;
}

/** The raw topic Debezium writes a change to. */
export function topicOf(spec: Pick<ChangeSpec, 'kind' | 'prefix' | 'database' | 'table'>): string {
  const schema = spec.kind === 'sqlserver' ? 'dbo' : spec.kind === 'postgres' ? 'public' : undefined;
  return spec.kind === 'sqlserver' ? `${spec.prefix}.${spec.database}.${schema}.${spec.table}` : spec.kind === 'postgres'
    ? `${spec.prefix}.${schema}.${spec.table}` : `${spec.prefix}.${spec.database}.${spec.table}`;
}

export function schemaOf(kind: Kind, database: string): string {
  return kind === 'sqlserver' ? 'dbo' : kind === 'postgres' ? 'public' : database;
}

function source(spec: ChangeSpec): Record<string, unknown> {
  const ts = 1_764_000_000_000 + spec.seq;
  const common = { version: '3.6.1.Final', connector: spec.kind === 'postgres' ? 'postgresql' : spec.kind, name: spec.prefix, ts_ms: ts, ts_us: ts * 1000, ts_ns: ts * 1e6,
    snapshot: spec.op === 'r' ? 'true' : 'false', db: spec.database, sequence: null };
  if (spec.kind === 'sqlserver') {
    const lsn = `0000002${Math.floor(spec.seq / 65536)}:${(spec.seq % 65536).toString(16).padStart(8, '0')}:0002`;
    return { ...common, schema: 'dbo', table: spec.table, change_lsn: lsn, commit_lsn: lsn.replace(/0002$/, '0003'), event_serial_no: 1 };
  }
  if (spec.kind === 'postgres') return { ...common, schema: 'public', table: spec.table, txId: 700 + spec.seq, lsn: 24_000_000 + spec.seq * 64, xmin: null };
  // MySQL and MariaDB write the same binlog source block; MariaDB names every streamed transaction with a GTID
  const gtid = spec.kind === 'mariadb' && spec.op !== 'r' ? `0-1-${spec.seq}` : null;
  return { ...common, table: spec.table, server_id: 1, gtid, file: 'binlog.000003', pos: 1000 + spec.seq * 200, row: 0, thread: 12, query: null };
}

/** The value of one change event. */
export function changeValue(spec: ChangeSpec): string {
  const row = { id: spec.id, total: `${spec.seq}.50`, note: `row ${spec.id} change ${spec.seq}` };
  const payload = {
    before: spec.before !== undefined ? spec.before : spec.op === 'u' || spec.op === 'd' ? row : null,
    after: spec.after !== undefined ? spec.after : spec.op === 'd' ? null : row,
    source: source(spec),
    transaction: null,
    op: spec.op,
    ts_ms: 1_764_000_000_500 + spec.seq,
  };
  if (!spec.withSchema) return JSON.stringify(payload);
  return JSON.stringify({ schema: { type: 'struct', name: `${topicOf(spec)}.Envelope`, optional: false, version: 2, fields: [] }, payload });
}

/** The key of one change event. */
export function changeKey(spec: Pick<ChangeSpec, 'id' | 'withSchema' | 'kind' | 'prefix' | 'database' | 'table'>): string {
  const payload = { id: spec.id };
  return spec.withSchema ? JSON.stringify({ schema: { type: 'struct', name: `${topicOf(spec)}.Key`, fields: [{ field: 'id', type: 'int32' }] }, payload }) : JSON.stringify(payload);
}
