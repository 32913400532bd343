import { createHash } from 'crypto';
import { canonicalJson, parseExactJson, stringifyExactJson, textOf } from './exact-json';
import type { ColumnMasks, MaskApplied } from './column-masks';
import { tenantRoutesOf } from './tenant-routes';
import { isSignalTable } from '../snapshots/signal-config';

export { canonicalJson } from './exact-json';

/**
 * The pure part of the processor: one raw Debezium record in, what to do with it out. No Kafka here.
 *
 * Input is what Kafka Connect's JsonConverter writes, with or without `schemas.enable` (`{schema, payload}`
 * or the bare payload). Output follows contract 2 of DESIGN.md. Numbers are kept as the text they arrived
 * as (see exact-json.ts): row values and keys leave with exactly the digits the database committed.
 */

/** A record as read from a raw topic. */
export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
}

/** The clean, tenant-aware event written to the final topic. */
export interface CdcEvent {
  readonly eventId: string;
  readonly tenant: string;
  readonly op: 'create' | 'update' | 'delete' | 'read';
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  /**
   * The row key. Numbers in it, as in `before` and `after`, are JavaScript numbers when a double holds them
   * exactly, else lossless-json `LosslessNumber`s (their text).
   */
  readonly key: unknown;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly source: { readonly connector: string; readonly position: string; readonly committedAt: number; readonly snapshot: boolean };
}

/** A message for the final topic. */
export interface OutputMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What to do with one record. */
export type Outcome =
  /** `masked`: values of masked columns that arrived unmasked (Debezium masks character columns only), masked here. */
  | { readonly kind: 'forward'; readonly event: CdcEvent; readonly message: OutputMessage; readonly masked?: readonly MaskApplied[] }
  | { readonly kind: 'skip'; readonly reason: 'tombstone' | 'heartbeat' | 'schema-change' | 'transaction' | 'not-a-row-change' | 'signal-table' }
  /** `reason` tells apart dead letters with a metric of their own: an event of a group's database that is no tenant's. */
  | { readonly kind: 'dead-letter'; readonly error: string; readonly reason?: 'unrouted-database' };

/**
 * Turns a record into the output event; a team can run the processor with its own (see `createProcessor`).
 * `masks` are the tenants file's declared masks (COLUMN_MASKS): a transform must apply them to what Debezium
 * left unmasked, as `debeziumTransform` does.
 */
export type Transform = (record: SourceRecord, routes: ReadonlyMap<string, string>, masks?: ColumnMasks) => Outcome;

const OPS: Record<string, CdcEvent['op']> = { c: 'create', u: 'update', d: 'delete', r: 'read' };

/**
 * The tenant a raw topic belongs to, for what has no readable event (lag, dead letters), by the rule events
 * follow (tenant-routes.ts); '' for a topic of a group's database that is no tenant's.
 */
export function tenantOfTopic(topic: string, routes: ReadonlyMap<string, string>): string {
  return tenantRoutesOf(routes).ofTopic(topic);
}

/** The standard transform of contract 2. */
export const debeziumTransform: Transform = (record, routes, masks) => {
  if (record.value === null) return { kind: 'skip', reason: 'tombstone' };
  // a tombstone is a null value; an empty one is something else, and unparseable
  if (record.value.length === 0) return { kind: 'dead-letter', error: 'value is empty (0 bytes); a tombstone is a null value, a change event is JSON' };
  let value: unknown;
  // whether any number needed lossless-json, so the output must be written with it
  let lossless = false;
  try {
    const parsed = parseExactJson(record.value.toString());
    value = unwrap(parsed.value);
    lossless = parsed.lossless;
  } catch (error) {
    return { kind: 'dead-letter', error: `value is not JSON: ${(error as Error).message}` };
  }
  if (!isObject(value)) return { kind: 'dead-letter', error: `value is not a Debezium change event: a JSON ${Array.isArray(value) ? 'array' : typeof value}` };

  if (!('op' in value)) {
    if (record.topic.startsWith('__debezium-heartbeat') || (Object.keys(value).length === 1 && 'ts_ms' in value)) return { kind: 'skip', reason: 'heartbeat' };
    if ('ddl' in value || 'tableChanges' in value) return { kind: 'skip', reason: 'schema-change' };
    if ((value.status === 'BEGIN' || value.status === 'END') && 'id' in value) return { kind: 'skip', reason: 'transaction' };
    return { kind: 'dead-letter', error: 'value has no Debezium envelope: no "op" field' };
  }
  const opCode = value.op;
  if (opCode === 't' || opCode === 'm') return { kind: 'skip', reason: 'not-a-row-change' };
  const op = typeof opCode === 'string' ? OPS[opCode] : undefined;
  if (!op) return { kind: 'dead-letter', error: `unknown op ${JSON.stringify(opCode)}; Debezium change events have c, u, d or r` };
  const source = value.source;
  if (!isObject(source) || typeof source.name !== 'string' || typeof source.table !== 'string' || typeof source.connector !== 'string') {
    return { kind: 'dead-letter', error: 'the envelope has no "source" block with connector, name and table' };
  }
  // Debezium adds signal.data.collection to the captured tables (RelationalTableFilters), so the incremental
  // snapshot's watermark rows reach a raw topic of their own like a table's changes: not tenant data
  if (isSignalTable(source.table)) return { kind: 'skip', reason: 'signal-table' };
  const rawBefore = value.before ?? null;
  const rawAfter = value.after ?? null;
  if ((rawBefore !== null && !isObject(rawBefore)) || (rawAfter !== null && !isObject(rawAfter))) {
    return { kind: 'dead-letter', error: '"before" and "after" must be row objects or null' };
  }
  if ((op === 'delete' ? rawBefore : rawAfter) === null) return { kind: 'dead-letter', error: `a ${op} event without the ${op === 'delete' ? '"before"' : '"after"'} row` };

  let key: unknown = null;
  if (record.key !== null) {
    if (record.key.length === 0) return { kind: 'dead-letter', error: 'key is empty (0 bytes); a keyless row has a null key, a row key is JSON' };
    try {
      const parsed = parseExactJson(record.key.toString());
      key = unwrap(parsed.value);
      lossless ||= parsed.lossless;
    } catch (error) {
      return { kind: 'dead-letter', error: `key is not JSON: ${(error as Error).message}` };
    }
  }

  const database = String(source.db ?? '');
  // MySQL and MariaDB have no schemas: the database plays that part in topic names and here
  const schema = String(source.schema ?? source.db ?? '');
  const table = source.table;
  // what Debezium did not mask (a citext, a number) is masked before anything leaves
  const maskedBefore = masks ? masks.apply(source.name, `${schema}.${table}`, rawBefore, database) : { row: rawBefore, applied: [] };
  const maskedAfter = masks ? masks.apply(source.name, `${schema}.${table}`, rawAfter, database) : { row: rawAfter, applied: [] };
  const before = maskedBefore.row;
  const after = maskedAfter.row;
  const route = tenantRoutesOf(routes).ofEvent(source.name, database, source.connector);
  if ('unrouted' in route) return { kind: 'dead-letter', error: route.unrouted, reason: 'unrouted-database' };
  const tenant = route.tenant;
  const position = positionOf(source);
  const keyJson = canonicalJson(key);
  const event: CdcEvent = {
    eventId: eventIdOf({ prefix: source.name, database, table: `${schema}.${table}`, position, op, keyJson, before, after }),
    tenant,
    op,
    database,
    schema,
    table,
    key,
    before: before as CdcEvent['before'],
    after: after as CdcEvent['after'],
    source: {
      connector: source.connector,
      position,
      committedAt: Number(source.ts_ms ?? value.ts_ms ?? 0),
      snapshot: source.snapshot !== undefined && source.snapshot !== false && source.snapshot !== 'false',
    },
  };
  return {
    kind: 'forward',
    event,
    masked: [...maskedBefore.applied, ...maskedAfter.applied],
    message: {
      key: `${tenant}:${schema}.${table}:${keyJson}`,
      value: stringifyExactJson(event, lossless),
      headers: { 'cdc-tenant': tenant, 'cdc-table': `${schema}.${table}`, 'cdc-op': op },
    },
  };
};

/**
 * A change's identity: where it is in the database's log, what it did and to which row. The log
 * position alone is not enough: a snapshot reads every row at one position, and several changes of one
 * transaction can share it. With a row key, (position, op, key) is unique; a keyless row (null key) adds
 * its row images, so the rows of a keyless table's snapshot differ. Nothing here depends on the Kafka
 * offset or the envelope shape, so a redelivered or re-emitted change keeps its id. Identical rows of a
 * keyless table read in one snapshot are indistinguishable at the source and share an id (docs/event-processor.md: eventId).
 */
function eventIdOf(change: { prefix: string; database: string; table: string; position: string; op: string; keyJson: string; before: unknown; after: unknown }): string {
  const rows = change.keyJson === 'null' ? `|${canonicalJson(change.before)}|${canonicalJson(change.after)}` : '';
  return createHash('sha256')
    .update(`${change.prefix}|${change.database}|${change.table}|${change.position}|${change.op}|${change.keyJson}${rows}`)
    .digest('hex')
    .slice(0, 32);
}

/** JsonConverter with `schemas.enable=true` wraps everything in `{schema, payload}`. */
function unwrap(json: unknown): unknown {
  return isObject(json) && 'payload' in json && 'schema' in json && Object.keys(json).length === 2 ? json.payload : json;
}

/**
 * Where in the database's log the change is, as the connector reports it (numbers with all their digits):
 * SQL Server `<commit_lsn>:<change_lsn>:<event_serial_no>`, PostgreSQL the change's `lsn`, MySQL and MariaDB
 * `<binlog file>:<event position>:<row in event>` (prefixed with `<gtid>/` when the event has a GTID: the GTID
 * names the transaction, the binlog position the change within it). MariaDB always writes GTIDs while
 * streaming, as `<domain>-<server id>-<sequence>` (e.g. `0-1-42`); MySQL's are `<server uuid>:<n>`.
 */
function positionOf(source: Record<string, unknown>): string {
  const text = (value: unknown) => (value === undefined || value === null ? '' : textOf(value));
  switch (source.connector) {
    case 'sqlserver':
      return [source.commit_lsn, source.change_lsn, source.event_serial_no].filter((p) => p !== undefined && p !== null).map(text).join(':');
    case 'postgresql':
      return text(source.lsn);
    case 'mysql':
    case 'mariadb': {
      const binlog = `${text(source.file)}:${text(source.pos)}:${text(source.row ?? 0)}`;
      return source.gtid ? `${text(source.gtid)}/${binlog}` : binlog;
    }
    default:
      return text(source.lsn ?? source.change_lsn ?? source.pos);
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
