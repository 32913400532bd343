/**
 * Decides which tables of which connectors to snapshot while they stream, from what the tenants file
 * declares and what Kafka remembers, so that the tenants file stays the only input: nobody sends a signal.
 *
 * - The ledger (a compacted topic, key `topic.prefix`) holds each connector's snapshotted data collections.
 *   A connector the ledger has never seen gets its declared tables as its baseline: its initial snapshot
 *   covers them. A table dropped from the file leaves the ledger, with the time it left: added again, it is
 *   signalled again, and only signals and scans after that time count.
 * - A declared table missing from the ledger gets an `execute-snapshot` signal (incremental), unless a
 *   signal for it is still unanswered: the connector's signal consumer commits its position in its own
 *   group, so a signal sent once is read once, whenever the connector runs (unless that group's offsets
 *   expire first: docs/day-2.md, Tables added later); sending again would snapshot the table twice. A re-sync, a restart or a new reconciler therefore repeats nothing.
 * - The signal names the table as an anchored regular expression, which Debezium expands against the
 *   tables the running task captures. A task still on the old config (the table not yet in its
 *   `table.include.list`) cannot expand it, finds no table of that literal name and reports the scan
 *   UNKNOWN_SCHEMA, where the plain name would have scanned the table and dropped every row (Debezium's
 *   dispatcher filters excluded tables): such a miss is signalled again after `retryAfterMs`.
 * - A scan that ended SUCCEEDED or EMPTY enters the ledger; NO_PRIMARY_KEY cannot succeed by retrying and
 *   is reported as failed.
 */

/** One connector as the tenants file declares it (the reconciler's input, from the generated config). */
export interface DeclaredConnector {
  /** `topic.prefix`, the signal's key. */
  readonly prefix: string;
  /** The signal topic its connector reads. */
  readonly signalTopic: string;
  /** Its data collections as Debezium names them (SQL Server `db.schema.table`, PostgreSQL `schema.table`, binlog `db.table`). */
  readonly collections: readonly string[];
}

/** A signal the reconciler sent (read back from the signal topic at start). */
export interface SentSignal {
  readonly prefix: string;
  readonly id: string;
  readonly collection: string;
  readonly attempt: number;
  readonly sentAt: number;
}

/** One of Debezium's incremental snapshot notifications, as `notificationOf` reads it. */
export interface SnapshotNotification {
  readonly prefix: string;
  /** The signal id that started the snapshot (Debezium's correlation id). */
  readonly id: string;
  /** STARTED, IN_PROGRESS, TABLE_SCAN_COMPLETED, COMPLETED, ABORTED, PAUSED, RESUMED */
  readonly type: string;
  /** The table a TABLE_SCAN_COMPLETED is about. */
  readonly scannedCollection?: string;
  /** EMPTY, NO_PRIMARY_KEY, SKIPPED, SQL_EXCEPTION, SUCCEEDED, UNKNOWN_SCHEMA */
  readonly status?: string;
  readonly timestamp: number;
}

/** A table waiting for its snapshot, for the metric and the log. */
export interface PendingSnapshot {
  readonly prefix: string;
  readonly collection: string;
  /** When its first signal went out (or now, when none has yet). */
  readonly since: number;
  readonly state: 'to-signal' | 'signalled' | 'running' | 'failed';
  readonly reason?: string;
}

export interface ReconcileInput {
  readonly declared: readonly DeclaredConnector[];
  /** prefix → snapshotted data collections */
  readonly ledger: ReadonlyMap<string, readonly string[]>;
  /** prefix → data collection → when it left the ledger (taken out of the file): what was sent before does not count */
  readonly removed?: ReadonlyMap<string, Readonly<Record<string, number>>>;
  readonly signals: readonly SentSignal[];
  readonly notifications: readonly SnapshotNotification[];
  readonly now: number;
  /** How long after a scan that missed the table (a task on the old config) to signal again. */
  readonly retryAfterMs: number;
}

export interface ReconcileResult {
  /** New ledger values, by prefix (the whole list). */
  readonly ledger: ReadonlyMap<string, readonly string[]>;
  /** For each prefix of `ledger`, its removals (the whole record), written with it. */
  readonly removed: ReadonlyMap<string, Readonly<Record<string, number>>>;
  readonly signals: readonly SignalMessage[];
  readonly pending: readonly PendingSnapshot[];
}

/** A record for a connector's signal topic: key `topic.prefix`, value the signal. */
export interface SignalMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly signal: SentSignal;
}

const DONE = new Set(['SUCCEEDED', 'EMPTY']);
const PERMANENT = new Set(['NO_PRIMARY_KEY']);

/** The deterministic id of a signal: the same table and attempt always get the same id. */
export function signalId(prefix: string, collection: string, attempt: number): string {
  return `tenant-cdc:${prefix}:${collection}:${attempt}`;
}

/** Reads back a signal id the reconciler wrote, or undefined for someone else's. */
export function parseSignalId(id: string): { prefix: string; collection: string; attempt: number } | undefined {
  const match = /^tenant-cdc:([^:]+):(.+):([0-9]+)$/.exec(id);
  return match ? { prefix: match[1], collection: match[2], attempt: Number(match[3]) } : undefined;
}

/**
 * The anchored regular expression of a data collection (Java's regex syntax; `.` escaped). A SQL Server
 * collection (`database.schema.table`, the only kind with three parts) keeps its database part and first
 * dot as they are: Debezium's SignalProcessor picks a group task's database by the text before the first
 * literal dot (compared without case), and an escaped dot there sent the signal to every database of the task.
 */
export function collectionPattern(collection: string): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = collection.split('.');
  if (parts.length < 3) return escape(collection);
  return `${parts[0]}.${escape(parts.slice(1).join('.'))}`;
}

/** True when Debezium's identifier names this collection (PostgreSQL's may carry the database in front). */
function sameCollection(identifier: string | undefined, collection: string): boolean {
  return identifier !== undefined && (identifier === collection || identifier.endsWith(`.${collection}`));
}

export function reconcile(input: ReconcileInput): ReconcileResult {
  const ledger = new Map<string, readonly string[]>();
  const removals = new Map<string, Readonly<Record<string, number>>>();
  const signals: SignalMessage[] = [];
  const pending: PendingSnapshot[] = [];
  for (const connector of input.declared) {
    const ledgered = input.ledger.get(connector.prefix);
    // first seen: its initial snapshot covers what it captures now. Not when signals for it exist: then the
    // ledger was not read whole, and a table waiting for its snapshot must not be taken as done
    if (ledgered === undefined && !input.signals.some((s) => s.prefix === connector.prefix)) {
      ledger.set(connector.prefix, [...connector.collections].sort());
      removals.set(connector.prefix, {});
      continue;
    }
    const known = ledgered ?? [];
    // a table taken out of the file: its signals and scans so far are of its earlier life, not of a later one
    const wasRemoved = input.removed?.get(connector.prefix) ?? {};
    const removed: Record<string, number> = { ...wasRemoved };
    for (const collection of known) if (!connector.collections.includes(collection)) removed[collection] = input.now;
    const done = new Set(known.filter((c) => connector.collections.includes(c)));
    const mine = input.notifications.filter((n) => n.prefix === connector.prefix);
    for (const collection of connector.collections.filter((c) => !done.has(c))) {
      const ever = input.signals.filter((s) => s.prefix === connector.prefix && s.collection === collection).sort((a, b) => a.attempt - b.attempt);
      const sent = ever.filter((s) => s.sentAt > (removed[collection] ?? -Infinity));
      const last = sent[sent.length - 1];
      const since = sent[0]?.sentAt ?? input.now;
      if (!last) {
        // attempts go on counting across a removal, so each signal's id stays its own
        signals.push(signalMessage(connector, collection, (ever[ever.length - 1]?.attempt ?? 0) + 1, input.now));
        pending.push({ prefix: connector.prefix, collection, since, state: 'to-signal' });
        continue;
      }
      // a scan of this table after its first signal, whichever signal's snapshot it ran in
      const scans = mine.filter((n) => n.type === 'TABLE_SCAN_COMPLETED' && n.timestamp >= sent[0].sentAt && sameCollection(n.scannedCollection, collection));
      if (scans.some((n) => DONE.has(n.status ?? ''))) {
        done.add(collection);
        continue;
      }
      const permanent = scans.find((n) => PERMANENT.has(n.status ?? ''));
      if (permanent) {
        pending.push({ prefix: connector.prefix, collection, since, state: 'failed', reason: `Debezium skipped it: ${permanent.status}` });
        continue;
      }
      // the last signal's snapshot ended (or scanned the table in vain) without the table: a task on the old config
      const answered = mine.filter((n) => n.id === last.id && n.timestamp >= last.sentAt);
      const ended = answered.find((n) => n.type === 'COMPLETED' || n.type === 'ABORTED' || (n.type === 'TABLE_SCAN_COMPLETED' && !DONE.has(n.status ?? '')));
      if (ended) {
        if (input.now - ended.timestamp >= input.retryAfterMs) signals.push(signalMessage(connector, collection, last.attempt + 1, input.now));
        pending.push({ prefix: connector.prefix, collection, since, state: 'signalled', reason: `the snapshot of signal ${last.id} ended without it (${ended.status ?? ended.type})` });
        continue;
      }
      // the last signal's snapshot has started (a signal not read yet is only signalled)
      pending.push({ prefix: connector.prefix, collection, since, state: answered.length > 0 ? 'running' : 'signalled' });
    }
    const next = [...done].sort();
    // once snapshotted again, a table's removal is history
    for (const collection of next) delete removed[collection];
    if (next.join('\n') !== [...known].sort().join('\n') || JSON.stringify(removed) !== JSON.stringify(wasRemoved)) {
      ledger.set(connector.prefix, next);
      removals.set(connector.prefix, removed);
    }
  }
  return { ledger, removed: removals, signals, pending };
}

function signalMessage(connector: DeclaredConnector, collection: string, attempt: number, now: number): SignalMessage {
  const id = signalId(connector.prefix, collection, attempt);
  return {
    topic: connector.signalTopic,
    key: connector.prefix,
    value: JSON.stringify({ id, type: 'execute-snapshot', data: { 'data-collections': [collectionPattern(collection)], type: 'incremental' } }),
    signal: { prefix: connector.prefix, id, collection, attempt, sentAt: now },
  };
}

/**
 * A notification record's value (Debezium's SinkNotificationChannel through the JsonConverter, with or
 * without schemas) as the reconciler needs it; undefined for initial snapshots and anything else.
 */
export function notificationOf(value: string): SnapshotNotification | undefined {
  let parsed: any;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const body = parsed && typeof parsed === 'object' && 'payload' in parsed && 'schema' in parsed ? parsed.payload : parsed;
  if (!body || body.aggregate_type !== 'Incremental Snapshot') return undefined;
  const data = body.additional_data ?? {};
  return {
    prefix: String(data.connector_name ?? ''),
    id: String(body.id),
    type: String(body.type),
    ...(data.scanned_collection !== undefined && { scannedCollection: String(data.scanned_collection) }),
    ...(data.status !== undefined && { status: String(data.status) }),
    timestamp: Number(body.timestamp),
  };
}

/** A signal record the reconciler wrote, read back; undefined for anyone else's. */
export function sentSignalOf(key: string | undefined, value: string, timestamp: number): SentSignal | undefined {
  try {
    const parsed = parseSignalId(String(JSON.parse(value).id));
    return parsed && parsed.prefix === key ? { ...parsed, id: signalId(parsed.prefix, parsed.collection, parsed.attempt), sentAt: timestamp } : undefined;
  } catch {
    return undefined;
  }
}
