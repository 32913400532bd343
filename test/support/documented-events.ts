/**
 * Debezium 3 change events written by hand from Debezium's documentation ("Data change events" of the SQL
 * Server, PostgreSQL, MySQL and MariaDB connector pages; "Kafka Connect's JsonConverter", both `schemas.enable`
 * settings), not by the generator in debezium-events.ts. They are JSON *text*: numbers appear exactly as
 * Jackson writes them (int64 beyond 2^53, `1.0E-5`, `100.0`), which JavaScript numbers cannot express.
 *
 * Source blocks per the docs: SQL Server has `change_lsn`, `commit_lsn` (strings) and `event_serial_no`;
 * PostgreSQL `lsn` (int64), `txId`, `sequence` (`["<last commit lsn>","<lsn>"]`); MySQL `file`, `pos`,
 * `row`, `gtid`, `server_id`; MariaDB the same binlog fields (both write debezium-connector-binlog's
 * BinlogSourceInfo) under connector `mariadb`, with GTIDs as MariaDB writes them, `<domain>-<server id>-<sequence>`
 * (`0-1-42`; MariaDbStreamingChangeEventSource), and binlog files `mariadb-bin.NNNNNN`. A snapshot gives every
 * row of a table the same position.
 */

export type DocumentedKind = 'sqlserver' | 'postgres' | 'mysql' | 'mariadb';

export interface DocumentedChange {
  readonly kind: DocumentedKind;
  readonly prefix: string;
  readonly op: 'c' | 'u' | 'd' | 'r';
  /** Row images as JSON text (so any number literal can be written), or null. */
  readonly before?: string | null;
  readonly after?: string | null;
  /** Row key as JSON text, or null for a table without a primary key. */
  readonly key: string | null;
  /** Source position fields as JSON text fragments, e.g. `"lsn":24023128`. */
  readonly position: string;
  readonly snapshot?: string;
  /** Write the `{schema, payload}` envelope of `schemas.enable=true`. */
  readonly withSchema?: boolean;
}

export const DATABASE: Record<DocumentedKind, string> = { sqlserver: 'AcmeProd', postgres: 'globex', mysql: 'inventory', mariadb: 'stock' };
const SCHEMA: Record<DocumentedKind, string> = { sqlserver: 'dbo', postgres: 'public', mysql: 'inventory', mariadb: 'stock' };
const CONNECTOR: Record<DocumentedKind, string> = { sqlserver: 'sqlserver', postgres: 'postgresql', mysql: 'mysql', mariadb: 'mariadb' };
/** The release that writes the events: Maven Central's MariaDB connector is 3.5.0.Final. */
const VERSION: Record<DocumentedKind, string> = { sqlserver: '3.6.1.Final', postgres: '3.6.1.Final', mysql: '3.6.1.Final', mariadb: '3.5.0.Final' };
export const TABLE = 'orders';

/**
 * The raw topic of a change (SQL Server `<prefix>.<db>.<schema>.<table>`, PostgreSQL `<prefix>.<schema>.<table>`,
 * MySQL and MariaDB `<prefix>.<db>.<table>`).
 */
export function documentedTopic(kind: DocumentedKind, prefix: string): string {
  return kind === 'sqlserver' ? `${prefix}.${DATABASE.sqlserver}.dbo.${TABLE}` : kind === 'postgres' ? `${prefix}.public.${TABLE}` : `${prefix}.${DATABASE[kind]}.${TABLE}`;
}

/** The schema of the row struct as the JsonConverter writes it: int64 id, NanoTimestamp, MicroTimestamp, a decimal string, doubles. */
const ROW_SCHEMA = (name: string, field: string) => `{"type":"struct","fields":[`
  + '{"type":"int64","optional":false,"field":"id"},'
  + '{"type":"int64","optional":true,"name":"io.debezium.time.NanoTimestamp","version":1,"field":"created"},'
  + '{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"updated"},'
  + '{"type":"string","optional":true,"field":"amount"},'
  + '{"type":"double","optional":true,"field":"ratio"},'
  + '{"type":"string","optional":true,"field":"note"}'
  + `],"optional":true,"name":"${name}.Value","field":"${field}"}`;

function source(change: DocumentedChange): string {
  const common = `"version":"${VERSION[change.kind]}","connector":"${CONNECTOR[change.kind]}","name":"${change.prefix}","ts_ms":1764000000123,"ts_us":1764000000123456,`
    + `"ts_ns":1764000000123456789,"snapshot":"${change.snapshot ?? (change.op === 'r' ? 'true' : 'false')}","db":"${DATABASE[change.kind]}"`;
  if (change.kind === 'mysql' || change.kind === 'mariadb') return `{${common},"sequence":null,"table":"${TABLE}","server_id":223344,${change.position},"thread":7,"query":null}`;
  return `{${common},"sequence":null,"schema":"${SCHEMA[change.kind]}","table":"${TABLE}",${change.position}}`;
}

/** The value of a change event, as JSON text. */
export function documentedValue(change: DocumentedChange): string {
  const before = change.before !== undefined ? change.before ?? 'null' : 'null';
  const after = change.after !== undefined ? change.after ?? 'null' : 'null';
  const payload = `{"before":${before},"after":${after},"source":${source(change)},"transaction":null,"op":"${change.op}",`
    + '"ts_ms":1764000000500,"ts_us":1764000000500321,"ts_ns":1764000000500321987}';
  if (!change.withSchema) return payload;
  const name = documentedTopic(change.kind, change.prefix);
  const schema = `{"type":"struct","fields":[${ROW_SCHEMA(name, 'before')},${ROW_SCHEMA(name, 'after')},`
    + `{"type":"struct","fields":[],"optional":false,"name":"io.debezium.connector.${CONNECTOR[change.kind]}.Source","field":"source"},`
    + '{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"}],'
    + `"optional":false,"name":"${name}.Envelope","version":2}`;
  return `{"schema":${schema},"payload":${payload}}`;
}

/** The key of a change event, as JSON text, or null (a table without a primary key). */
export function documentedKey(change: DocumentedChange): string | null {
  if (change.key === null) return null;
  if (!change.withSchema) return change.key;
  const name = documentedTopic(change.kind, change.prefix);
  return `{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false,"name":"${name}.Key"},"payload":${change.key}}`;
}

/** A row of the `orders` table as JSON text, numbers written as Jackson writes them. */
export function row(fields: { id: string; created?: string; updated?: string; amount?: string; ratio?: string; note?: string }): string {
  return `{"id":${fields.id},"created":${fields.created ?? '1764000000123456789'},"updated":${fields.updated ?? '1764000000123456'},`
    + `"amount":"${fields.amount ?? '12.50'}","ratio":${fields.ratio ?? '0.5'},"note":${JSON.stringify(fields.note ?? 'n')}}`;
}
