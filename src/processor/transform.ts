import { createHash } from 'crypto';

/**
 * The pure part of the processor: one raw Debezium record in, what to do with it out. No Kafka here.
 *
 * Input is what Kafka Connect's JsonConverter writes, with or without `schemas.enable` (`{schema, payload}`
 * or the bare payload). Output follows contract 2 of DESIGN.md.
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
  | { readonly kind: 'forward'; readonly event: CdcEvent; readonly message: OutputMessage }
  | { readonly kind: 'skip'; readonly reason: 'tombstone' | 'heartbeat' | 'schema-change' | 'transaction' | 'not-a-row-change' }
  | { readonly kind: 'dead-letter'; readonly error: string };

/** Turns a record into the output event; a team can run the processor with its own (see `createProcessor`). */
export type Transform = (record: SourceRecord, routes: ReadonlyMap<string, string>) => Outcome;

const OPS: Record<string, CdcEvent['op']> = { c: 'create', u: 'update', d: 'delete', r: 'read' };

/** The standard transform of contract 2. */
export const debeziumTransform: Transform = (record, routes) => {
  if (record.value === null || record.value.length === 0) return { kind: 'skip', reason: 'tombstone' };
  let value: unknown;
  try {
    value = unwrap(JSON.parse(record.value.toString()));
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
  const before = value.before ?? null;
  const after = value.after ?? null;
  if ((before !== null && !isObject(before)) || (after !== null && !isObject(after))) {
    return { kind: 'dead-letter', error: '"before" and "after" must be row objects or null' };
  }
  if ((op === 'delete' ? before : after) === null) return { kind: 'dead-letter', error: `a ${op} event without the ${op === 'delete' ? '"before"' : '"after"'} row` };

  let key: unknown = null;
  if (record.key !== null && record.key.length > 0) {
    try {
      key = unwrap(JSON.parse(record.key.toString()));
    } catch (error) {
      return { kind: 'dead-letter', error: `key is not JSON: ${(error as Error).message}` };
    }
  }

  const database = String(source.db ?? '');
  // MySQL has no schemas: its database plays that part in topic names and here
  const schema = String(source.schema ?? source.db ?? '');
  const table = source.table;
  const tenant = routes.get(`${source.name}/${database}`) ?? routes.get(source.name) ?? source.name;
  const position = positionOf(source);
  const keyJson = canonicalJson(key);
  const event: CdcEvent = {
    eventId: createHash('sha256').update(`${source.name}|${database}|${schema}.${table}|${position}|${op}|${keyJson}`).digest('hex').slice(0, 32),
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
    message: {
      key: `${tenant}:${schema}.${table}:${keyJson}`,
      value: JSON.stringify(event),
      headers: { 'cdc-tenant': tenant, 'cdc-table': `${schema}.${table}`, 'cdc-op': op },
    },
  };
};

/** JsonConverter with `schemas.enable=true` wraps everything in `{schema, payload}`. */
function unwrap(json: unknown): unknown {
  return isObject(json) && 'payload' in json && 'schema' in json && Object.keys(json).length === 2 ? json.payload : json;
}

/** Where in the database's log the change is: stable for the same change, different for every change. */
function positionOf(source: Record<string, unknown>): string {
  switch (source.connector) {
    case 'sqlserver':
      return [source.commit_lsn, source.change_lsn, source.event_serial_no].filter((p) => p !== undefined && p !== null).join(':');
    case 'postgresql':
      return String(source.lsn ?? '');
    case 'mysql':
      return source.gtid ? `${source.gtid}:${source.row ?? 0}` : `${source.file ?? ''}:${source.pos ?? ''}:${source.row ?? 0}`;
    default:
      return String(source.lsn ?? source.change_lsn ?? source.pos ?? '');
  }
}

/** JSON with object keys sorted, so the same row key always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
