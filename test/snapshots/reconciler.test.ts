import { describe, expect, test } from 'vitest';
import { DeclaredConnector, notificationOf, reconcile, ReconcileInput, sentSignalOf, SnapshotNotification } from '../../src/snapshots/reconciler';

const acme: DeclaredConnector = { prefix: 'acme', signalTopic: '__tenant-cdc-signals.c', collections: ['public.orders', 'public.refunds'] };
const base: ReconcileInput = { declared: [acme], ledger: new Map([['acme', ['public.orders']]]), signals: [], notifications: [], now: 1_000_000, retryAfterMs: 30_000 };
const sent = (attempt: number, sentAt: number) => ({ prefix: 'acme', id: `tenant-cdc:acme:public.refunds:${attempt}`, collection: 'public.refunds', attempt, sentAt });
const note = (n: Partial<SnapshotNotification>): SnapshotNotification => ({ prefix: 'acme', id: 'tenant-cdc:acme:public.refunds:1', type: 'STARTED', timestamp: 900_000, ...n });

describe('the snapshot reconciler', () => {
  test('a connector seen for the first time takes its tables as its baseline: its initial snapshot covers them', () => {
    const result = reconcile({ ...base, ledger: new Map() });
    expect(result.ledger).toEqual(new Map([['acme', ['public.orders', 'public.refunds']]]));
    expect(result.signals).toEqual([]);
  });

  test('a table added to a known connector gets one incremental execute-snapshot signal, keyed by topic.prefix, naming it as an anchored pattern', () => {
    const result = reconcile(base);
    expect(result.signals.map(({ topic, key, value }) => ({ topic, key, value: JSON.parse(value) }))).toEqual([{
      topic: '__tenant-cdc-signals.c',
      key: 'acme',
      value: { id: 'tenant-cdc:acme:public.refunds:1', type: 'execute-snapshot', data: { 'data-collections': ['public\\.refunds'], type: 'incremental' } },
    }]);
    expect(result.pending).toEqual([{ prefix: 'acme', collection: 'public.refunds', since: 1_000_000, state: 'to-signal' }]);
    expect(result.ledger.size).toBe(0);
  });

  test('a signal not answered yet is never sent again (a restart, a re-sync or another reconciler repeats nothing)', () => {
    const result = reconcile({ ...base, signals: [sent(1, 800_000)], now: 10_000_000 });
    expect(result.signals).toEqual([]);
    expect(result.pending).toEqual([{ prefix: 'acme', collection: 'public.refunds', since: 800_000, state: 'signalled' }]);
  });

  test('a scan that missed the table (a task still on the old config reports UNKNOWN_SCHEMA) is signalled again, after the pause', () => {
    const missed = [note({ type: 'STARTED' }), note({ type: 'TABLE_SCAN_COMPLETED', scannedCollection: 'public\\.refunds', status: 'UNKNOWN_SCHEMA', timestamp: 990_000 }),
      note({ type: 'COMPLETED', timestamp: 990_001 })];
    expect(reconcile({ ...base, signals: [sent(1, 800_000)], notifications: missed }).signals).toEqual([]);
    const again = reconcile({ ...base, signals: [sent(1, 800_000)], notifications: missed, now: 1_020_001 });
    expect(again.signals.map((s) => JSON.parse(s.value).id)).toEqual(['tenant-cdc:acme:public.refunds:2']);
    expect(again.pending[0]).toMatchObject({ state: 'signalled', since: 800_000, reason: expect.stringContaining('UNKNOWN_SCHEMA') });
  });

  test('a scan that SUCCEEDED (or found the table EMPTY) enters the ledger, and nothing is signalled again', () => {
    for (const status of ['SUCCEEDED', 'EMPTY']) {
      const done = [note({ type: 'TABLE_SCAN_COMPLETED', scannedCollection: 'public.refunds', status, timestamp: 950_000 })];
      const result = reconcile({ ...base, signals: [sent(1, 800_000)], notifications: done });
      expect(result.ledger).toEqual(new Map([['acme', ['public.orders', 'public.refunds']]]));
      expect(result.signals).toEqual([]);
      expect(result.pending).toEqual([]);
    }
    // a scan from before the first signal (an earlier life of the table) does not count
    const old = [note({ type: 'TABLE_SCAN_COMPLETED', scannedCollection: 'public.refunds', status: 'SUCCEEDED', timestamp: 700_000 })];
    expect(reconcile({ ...base, signals: [sent(1, 800_000)], notifications: old }).ledger.size).toBe(0);
  });

  test('PostgreSQL identifiers that carry the database in front match too', () => {
    const done = [note({ type: 'TABLE_SCAN_COMPLETED', scannedCollection: 'acme.public.refunds', status: 'SUCCEEDED', timestamp: 950_000 })];
    expect(reconcile({ ...base, signals: [sent(1, 800_000)], notifications: done }).ledger.get('acme')).toEqual(['public.orders', 'public.refunds']);
  });

  test('NO_PRIMARY_KEY cannot succeed by retrying: reported as failed, not signalled again', () => {
    const failed = [note({ type: 'TABLE_SCAN_COMPLETED', scannedCollection: 'public.refunds', status: 'NO_PRIMARY_KEY', timestamp: 950_000 }), note({ type: 'COMPLETED', timestamp: 950_001 })];
    const result = reconcile({ ...base, signals: [sent(1, 800_000)], notifications: failed, now: 5_000_000 });
    expect(result.signals).toEqual([]);
    expect(result.pending).toEqual([expect.objectContaining({ state: 'failed', reason: expect.stringContaining('NO_PRIMARY_KEY') })]);
  });

  test('a signal sent again after a miss and not read yet is signalled, not running (the first signal\'s notifications do not count)', () => {
    const missed = [note({ type: 'STARTED' }), note({ type: 'COMPLETED', timestamp: 900_001 })];
    const result = reconcile({ ...base, signals: [sent(1, 800_000), sent(2, 950_000)], notifications: missed, now: 9_000_000 });
    expect(result.signals).toEqual([]);
    expect(result.pending).toEqual([{ prefix: 'acme', collection: 'public.refunds', since: 800_000, state: 'signalled' }]);
  });

  test('a running snapshot is pending, not signalled again', () => {
    const result = reconcile({ ...base, signals: [sent(1, 800_000)], notifications: [note({ type: 'STARTED' }), note({ type: 'IN_PROGRESS', timestamp: 950_000 })], now: 9_000_000 });
    expect(result.signals).toEqual([]);
    expect(result.pending).toEqual([{ prefix: 'acme', collection: 'public.refunds', since: 800_000, state: 'running' }]);
  });

  test('a connector missing from the ledger but with signals of its own is no new connector: a pending table is not taken as done', () => {
    // e.g. a tick on a ledger not read whole yet: the waiting table must stay pending, never become baseline
    const result = reconcile({ ...base, ledger: new Map(), signals: [sent(1, 800_000)] });
    expect(result.ledger.get('acme') ?? []).not.toContain('public.refunds');
    expect(result.pending).toContainEqual(expect.objectContaining({ collection: 'public.refunds', state: 'signalled' }));
  });

  test('a SQL Server table\'s pattern keeps its database part literal, as Debezium\'s SignalProcessor reads it to pick the group task\'s database', () => {
    const group: DeclaredConnector = { prefix: 'grp', signalTopic: '__tenant-cdc-signals.c', collections: ['InitechProd.dbo.Refunds', 'InitechProd.dbo.Orders'] };
    const result = reconcile({ ...base, declared: [group], ledger: new Map([['grp', ['InitechProd.dbo.Orders']]]) });
    const [pattern] = JSON.parse(result.signals[0].value).data['data-collections'];
    expect(pattern).toBe('InitechProd.dbo\\.Refunds');
    // SignalProcessor.extractPartitionFromData: dataCollection.split("\\.")[0], compared with equalsIgnoreCase
    expect(pattern.split('.')[0].toLowerCase()).toBe('initechprod');
    // and Debezium's expansion (Pattern.matches) still finds the table, and only it
    expect(new RegExp(`^${pattern}$`).test('InitechProd.dbo.Refunds')).toBe(true);
    expect(new RegExp(`^${pattern}$`).test('InitechProd.dbo.RefundsArchive')).toBe(false);
  });

  test('a table removed from the file leaves the ledger with the time it left; added back, it is snapshotted again though its old scan is still on the topics', () => {
    // refunds was snapshotted once: its signal (attempt 1) and SUCCEEDED scan stay on the topics for days
    const history = { signals: [sent(1, 800_000)], notifications: [note({ type: 'TABLE_SCAN_COMPLETED', scannedCollection: 'public.refunds', status: 'SUCCEEDED', timestamp: 850_000 })] };
    const removed = reconcile({ ...base, ...history, declared: [{ ...acme, collections: ['public.orders'] }], ledger: new Map([['acme', ['public.orders', 'public.refunds']]]) });
    expect(removed.ledger).toEqual(new Map([['acme', ['public.orders']]]));
    expect(removed.removed).toEqual(new Map([['acme', { 'public.refunds': 1_000_000 }]]));

    // added back: a new signal, with the next attempt's id (attempt 1's id is taken), and the old scan does not count
    const back = { ...base, ...history, ledger: removed.ledger, removed: removed.removed, now: 2_000_000 };
    const readded = reconcile(back);
    expect(readded.signals.map((m) => JSON.parse(m.value).id)).toEqual(['tenant-cdc:acme:public.refunds:2']);
    expect(readded.pending).toEqual([{ prefix: 'acme', collection: 'public.refunds', since: 2_000_000, state: 'to-signal' }]);

    // its new scan succeeds: in the ledger again, and its removal is history
    const done = reconcile({ ...back, now: 2_100_000, signals: [...history.signals, sent(2, 2_000_000)],
      notifications: [...history.notifications, note({ id: 'tenant-cdc:acme:public.refunds:2', type: 'TABLE_SCAN_COMPLETED', scannedCollection: 'public.refunds', status: 'SUCCEEDED', timestamp: 2_050_000 })] });
    expect(done.ledger).toEqual(new Map([['acme', ['public.orders', 'public.refunds']]]));
    expect(done.removed).toEqual(new Map([['acme', {}]]));
    expect(done.signals).toEqual([]);
  });

  test('reads Debezium\'s notifications as the JsonConverter writes them, with and without schemas, and only incremental ones', () => {
    const value = { id: 'tenant-cdc:acme:public.refunds:1', aggregate_type: 'Incremental Snapshot', type: 'TABLE_SCAN_COMPLETED',
      additional_data: { connector_name: 'acme', data_collections: 'public.refunds', scanned_collection: 'public.refunds', total_rows_scanned: '3', status: 'SUCCEEDED' }, timestamp: 1733000000000 };
    const expected = { prefix: 'acme', id: value.id, type: 'TABLE_SCAN_COMPLETED', scannedCollection: 'public.refunds', status: 'SUCCEEDED', timestamp: 1733000000000 };
    expect(notificationOf(JSON.stringify(value))).toEqual(expected);
    expect(notificationOf(JSON.stringify({ schema: { type: 'struct' }, payload: value }))).toEqual(expected);
    expect(notificationOf(JSON.stringify({ ...value, aggregate_type: 'Initial Snapshot' }))).toBeUndefined();
    expect(notificationOf('not json')).toBeUndefined();
  });

  test('reads its own signals back from the signal topic, and ignores anyone else\'s', () => {
    const [message] = reconcile(base).signals;
    expect(sentSignalOf(message.key, message.value, 42)).toEqual({ ...message.signal, sentAt: 42 });
    expect(sentSignalOf('acme', JSON.stringify({ id: 'ad-hoc-1', type: 'execute-snapshot' }), 42)).toBeUndefined();
    expect(sentSignalOf('globex', message.value, 42)).toBeUndefined();
  });
});
