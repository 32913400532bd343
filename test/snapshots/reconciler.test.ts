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

  test('a table removed from the file leaves the ledger, so adding it back snapshots it again', () => {
    const removed = reconcile({ ...base, declared: [{ ...acme, collections: ['public.orders'] }], ledger: new Map([['acme', ['public.orders', 'public.refunds']]]) });
    expect(removed.ledger).toEqual(new Map([['acme', ['public.orders']]]));
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
