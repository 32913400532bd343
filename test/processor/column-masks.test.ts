import { createHash } from 'crypto';
import { describe, expect, test } from 'vitest';
import { ColumnMasks, debeziumHash } from '../../src/processor/column-masks';
import { debeziumTransform, SourceRecord } from '../../src/processor/transform';

/**
 * The processor applies a declared mask that Debezium did not (Debezium masks character columns only: a
 * PostgreSQL citext or domain, or a number, passes through), with Debezium's own rule: the hex SHA-256 of
 * salt + value (MaskStrings.HashValueConverter, HashingByteArrayStrategy.V2), the same asterisks.
 */

// Debezium's own vectors: MaskStringsTest.shouldTransformSameInputsToSameResultsForCharsetTypeWithV2 (v3.6.1.Final)
test('hashes as Debezium\'s v2 strategy does: hex SHA-256 of the salt\'s bytes then the value\'s', () => {
  expect(debeziumHash('salt', 'hello')).toBe('cd31b3b98ece60cb739c0bf770b2de892ae0ad133f645513c3d83f08757a843a');
  expect(debeziumHash('salt', 'world')).toBe('e84ac3142870113ddc6710c06f76421befc8e8ca6de64e98d2993ed8d41f4085');
  // UTF-8, as String.getBytes() on a JVM whose default charset is UTF-8 (Java 18+, Strimzi's images)
  expect(debeziumHash('salt', 'zoë@example.com')).toBe(createHash('sha256').update(Buffer.from('saltzoë@example.com', 'utf8')).digest('hex'));
});

const SALT = 'e2e-pepper-not-a-secret';
/** A processor's masks, new: what its columns' values have taught it is per process (each test starts afresh). */
const newMasks = () => new ColumnMasks({ crm: { 'public.customers': { hash: ['Email', 'ssn', 'score'], asterisks: { Phone: 4 } } } }, SALT);

function customersEvent(before: Record<string, unknown> | null, after: Record<string, unknown>, op = before ? 'u' : 'c'): SourceRecord {
  const source = { version: '3.6.1.Final', connector: 'postgresql', name: 'crm', db: 'crm', schema: 'public', table: 'customers', lsn: 24_000_064, ts_ms: 1_764_000_000_000 };
  return { topic: 'crm.public.customers', partition: 0, offset: '1', key: '{"id":1}', value: JSON.stringify({ before, after, source, op, ts_ms: 1_764_000_000_001 }) };
}

describe('debeziumTransform with declared masks', () => {
  test('hashes a citext e-mail and a number Debezium passed through, and asterisks a clear phone; counts each', () => {
    const outcome = debeziumTransform(customersEvent(null, { id: 1, email: 'Ann@Example.com', ssn: 78051120, score: 12.5, phone: '+41 44 555 0101', name: 'ann' }), new Map(), newMasks());
    if (outcome.kind !== 'forward') throw new Error(JSON.stringify(outcome));
    expect(outcome.event.after).toEqual({
      id: 1, email: debeziumHash(SALT, 'Ann@Example.com'), ssn: debeziumHash(SALT, '78051120'), score: debeziumHash(SALT, '12.5'), phone: '****', name: 'ann',
    });
    expect(outcome.masked).toEqual([
      { column: 'email', rule: 'hash' }, { column: 'ssn', rule: 'hash' }, { column: 'score', rule: 'hash' }, { column: 'phone', rule: 'asterisks' },
    ]);
    // and nothing of it in the message
    for (const clear of ['Ann@Example.com', '78051120', '555 0101']) expect(outcome.message.value).not.toContain(clear);
  });

  test('leaves what Debezium masked as it is, and counts nothing', () => {
    const hashed = debeziumHash(SALT, 'ann@example.com');
    // a varchar(20) column's hash is cut to 20 characters (MaskStrings: TruncatingValueConverter(column.length()))
    const row = { id: 1, email: hashed, ssn: hashed.slice(0, 20), score: null, phone: '****', name: 'ann' };
    const outcome = debeziumTransform(customersEvent(row, row), new Map(), newMasks());
    if (outcome.kind !== 'forward') throw new Error(JSON.stringify(outcome));
    expect(outcome.event.before).toEqual(row);
    expect(outcome.event.after).toEqual(row);
    expect(outcome.masked).toEqual([]);
  });

  test('masks the before image too, and a number that is only digits even as a string (decimal.handling.mode string)', () => {
    const outcome = debeziumTransform(customersEvent({ id: 1, ssn: '078051120', phone: '+41 1' }, { id: 1, ssn: '078051121', phone: null }), new Map(), newMasks());
    if (outcome.kind !== 'forward') throw new Error(JSON.stringify(outcome));
    expect(outcome.event.before).toEqual({ id: 1, ssn: debeziumHash(SALT, '078051120'), phone: '****' });
    // Debezium writes the asterisks for a null of a masked character column too (MaskingValueConverter ignores its input)
    expect(outcome.event.after).toEqual({ id: 1, ssn: debeziumHash(SALT, '078051121'), phone: '****' });
    expect(outcome.masked).toEqual([{ column: 'ssn', rule: 'hash' }, { column: 'phone', rule: 'asterisks' }, { column: 'ssn', rule: 'hash' }]);
  });

  test('digits alone are hashed, even in a column that has shown Debezium\'s hashes of that length (a clear number would look the same)', () => {
    const masks = newMasks();
    // 8 characters: a varchar(8) column's hashes; 1 in 43 of them are digits alone
    const cut = (v: string) => debeziumHash(SALT, v).slice(0, 8);
    const digitsOnly = Array.from({ length: 5000 }, (_, i) => cut(`user${i}@example.com`)).find((h) => /^[0-9]+$/.test(h))!;
    const ssn = (value: string) => {
      const outcome = debeziumTransform(customersEvent(null, { id: 1, ssn: value }), new Map(), masks);
      if (outcome.kind !== 'forward') throw new Error(JSON.stringify(outcome));
      return { value: outcome.event.after!.ssn, masked: outcome.masked };
    };
    // before the column has shown what it is, digits alone may be a clear value: hashed (masked, never clear)
    expect(ssn(digitsOnly)).toEqual({ value: debeziumHash(SALT, digitsOnly), masked: [{ column: 'ssn', rule: 'hash' }] });
    for (const v of ['a@x', 'b@x', 'c@x']) expect(ssn(cut(v))).toEqual({ value: cut(v), masked: [] });
    // three hashes of 8 characters, and digits alone are still hashed: never clear, at the cost of a hash of a hash
    expect(ssn(digitsOnly)).toEqual({ value: debeziumHash(SALT, digitsOnly), masked: [{ column: 'ssn', rule: 'hash' }] });
    expect(ssn('12345678')).toEqual({ value: debeziumHash(SALT, '12345678'), masked: [{ column: 'ssn', rule: 'hash' }] });
  });

  test('a column that showed a clear value is one Debezium does not mask: a later value that looks like a hash is hashed too', () => {
    const masks = newMasks();
    const email = (value: string) => {
      const outcome = debeziumTransform(customersEvent(null, { id: 1, email: value }), new Map(), masks);
      if (outcome.kind !== 'forward') throw new Error(JSON.stringify(outcome));
      return outcome.event.after!.email;
    };
    expect(email('ann@example.com')).toBe(debeziumHash(SALT, 'ann@example.com'));
    // a citext holding a word of hex letters: clear, and now known to be
    expect(email('cafe')).toBe(debeziumHash(SALT, 'cafe'));
    // hashes of two lengths cannot be one column's Debezium hashes either
    const other = newMasks();
    const scoreOf = (value: string) => (debeziumTransform(customersEvent(null, { id: 1, score: value }), new Map(), other) as { event: { after: Record<string, unknown> } }).event.after.score;
    expect(scoreOf('beef')).toBe('beef');
    expect(scoreOf('deadbeef')).toBe(debeziumHash(SALT, 'deadbeef'));
    expect(scoreOf('beef')).toBe(debeziumHash(SALT, 'beef'));
  });

  test('matches tables and columns case-insensitively, as Debezium\'s column patterns do, and only on the declared connector', () => {
    const upper = new ColumnMasks({ crm: { 'PUBLIC.Customers': { hash: ['EMAIL'] } } }, SALT);
    const outcome = debeziumTransform(customersEvent(null, { id: 1, email: 'ann@example.com' }), new Map(), upper);
    expect(outcome.kind === 'forward' && outcome.event.after).toEqual({ id: 1, email: debeziumHash(SALT, 'ann@example.com') });
    const other = new ColumnMasks({ 'other-crm': { 'public.customers': { hash: ['email'] } } }, SALT);
    const untouched = debeziumTransform(customersEvent(null, { id: 1, email: 'ann@example.com' }), new Map(), other);
    expect(untouched.kind === 'forward' && untouched.event.after).toEqual({ id: 1, email: 'ann@example.com' });
  });

  test('a SQL Server group\'s masks are its connector\'s, for every database of the group', () => {
    const group = new ColumnMasks({ 'eu-sql-1': { 'dbo.Customers': { asterisks: { Phone: 8 } } } });
    const source = { connector: 'sqlserver', name: 'eu-sql-1', db: 'initechprod', schema: 'dbo', table: 'Customers', commit_lsn: '1', change_lsn: '1', event_serial_no: 1 };
    const record = { topic: 'eu-sql-1.initechprod.dbo.Customers', partition: 0, offset: '1', key: '{"Id":1}', value: JSON.stringify({ op: 'c', before: null, after: { Id: 1, Phone: 5550101 }, source }) };
    const outcome = debeziumTransform(record, new Map([['eu-sql-1/InitechProd', 'initech']]), group);
    expect(outcome.kind === 'forward' && outcome.event.after).toEqual({ Id: 1, Phone: '********' });
  });
});
