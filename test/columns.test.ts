import { describe, expect, test } from 'vitest';
import { TenantsFile } from '../src';
import { parseProcessorConfig } from '../src/processor/config';
import { debeziumHash } from '../src/processor/column-masks';
import { debeziumTransform } from '../src/processor/transform';
import { ofKind, synthPlatform } from './support/synth';
import { platformProblems, sampleTenants } from './support/tenants';

const SALT = 'pepper-0123456789abcdef';

/** sampleTenants with column rules on globex (PostgreSQL). */
function withColumns(tables: TenantsFile['tenants'][number]['tables'], tenant = 'globex'): TenantsFile {
  const file = sampleTenants({ masking: { salt: SALT } });
  file.tenants = file.tenants.map((t) => (t.id === tenant ? { ...t, tables } : t));
  return file;
}

function configOf(file: TenantsFile, tenant: string): Record<string, unknown> {
  return ofKind(synthPlatform(file), 'KafkaConnector').find((c) => c.metadata.name === tenant)!.spec.config;
}

const problemsOf = platformProblems;

describe('column rules', () => {
  test('exclude, hash, asterisks and truncate become Debezium\'s column keys, as escaped schema.table.column', () => {
    const config = configOf(withColumns(['public.orders', { table: 'public.customers', key: ['id'], exclude: ['ssn', 'tax_id'], hash: ['email'],
      asterisks: { phone: 4, fax: 4, iban: 8 }, truncate: { notes: 10 } }]), 'globex');
    expect(config).toMatchObject({
      'column.exclude.list': 'public\\.customers\\.ssn,public\\.customers\\.tax_id',
      [`column.mask.hash.v2.SHA-256.with.salt.${SALT}`]: 'public\\.customers\\.email',
      'column.mask.with.4.chars': 'public\\.customers\\.phone,public\\.customers\\.fax',
      'column.mask.with.8.chars': 'public\\.customers\\.iban',
      'column.truncate.to.10.chars': 'public\\.customers\\.notes',
    });
    expect(config).not.toHaveProperty('column.include.list');
  });

  test('an include list keeps the key and every column of the other captured tables', () => {
    const config = configOf(withColumns(['public.orders', { table: 'public.customers', key: ['id'], include: ['name', 'email'], hash: ['email'] }]), 'globex');
    expect(config['column.include.list']).toBe('public\\.orders\\..+,public\\.customers\\.id,public\\.customers\\.name,public\\.customers\\.email');
  });

  test('MySQL and MariaDB columns are db.table.column; SQL Server columns schema.table.column', () => {
    const file = sampleTenants({ masking: { salt: SALT } });
    file.tenants = file.tenants.map((t) => (t.id === 'hooli' ? { ...t, tables: [{ table: 'hooli.orders', key: ['id'], exclude: ['card'] }] }
      : t.id === 'acme' ? { ...t, tables: [{ table: 'dbo.Orders', key: ['Id'], truncate: { Notes: 50 } }] } : t));
    file.tenants.push({ id: 'wonka', database: { kind: 'mariadb', host: 'maria.example.com', name: 'wonka' }, credentials: { secret: 'wonka-db' },
      tables: [{ table: 'wonka.customers', key: ['id'], exclude: ['ssn'], hash: ['email'], asterisks: { phone: 4 } }] });
    expect(configOf(file, 'wonka')).toMatchObject({
      'column.exclude.list': 'wonka\\.customers\\.ssn',
      [`column.mask.hash.v2.SHA-256.with.salt.${SALT}`]: 'wonka\\.customers\\.email',
      'column.mask.with.4.chars': 'wonka\\.customers\\.phone',
    });
    expect(configOf(file, 'hooli')['column.exclude.list']).toBe('hooli\\.orders\\.card');
    expect(configOf(file, 'acme')['column.truncate.to.50.chars']).toBe('dbo\\.Orders\\.Notes');
  });

  // Debezium masks character columns only: a citext or domain e-mail, or a number, would reach the final topic in clear
  test('the processor gets the declared masks and the salt from the Deployment, and masks what Debezium left in clear', () => {
    const file = withColumns(['public.orders', { table: 'public.customers', key: ['id'], exclude: ['ssn'], hash: ['email'], asterisks: { phone: 4 }, truncate: { notes: 5 } }]);
    const [deployment] = ofKind(synthPlatform(file), 'Deployment');
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    // only the masks: exclude and truncate are Debezium's alone
    expect(JSON.parse(env.COLUMN_MASKS)).toEqual({ globex: { 'public.customers': { hash: ['email'], asterisks: { phone: 4 } } } });
    expect(env.MASKING_SALT).toBe(SALT);
    env.KAFKA_SASL_PASSWORD = `test-${Math.random().toString(36).slice(2)}`;
    const config = parseProcessorConfig(env);
    const source = { connector: 'postgresql', name: 'globex', db: 'globex', schema: 'public', table: 'customers', lsn: 1 };
    const value = JSON.stringify({ op: 'c', before: null, after: { id: 1, email: 'ann@example.com', phone: 41445550101 }, source });
    const outcome = debeziumTransform({ topic: 'globex.public.customers', partition: 0, offset: '0', key: '{"id":1}', value }, config.tenantRoutes, config.columnMasks);
    expect(outcome.kind === 'forward' && outcome.event.after).toEqual({ id: 1, email: debeziumHash(SALT, 'ann@example.com'), phone: '****' });
  });

  test('without masks the processor gets no COLUMN_MASKS nor MASKING_SALT', () => {
    const file = withColumns(['public.orders', { table: 'public.customers', key: ['id'], exclude: ['ssn'] }]);
    const names = ofKind(synthPlatform(file), 'Deployment')[0].spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(names).not.toContain('COLUMN_MASKS');
    expect(names).not.toContain('MASKING_SALT');
  });

  test('a SQL Server group\'s masks are keyed by the group, its connector', () => {
    const file = sampleTenants({ masking: { salt: SALT } });
    file.sqlServerGroups = [{ name: 'eu-sql-1', host: 'sql-eu-1.example.com', credentials: { secret: 'eu-sql-1-cdc' } }];
    file.tenants.push(...['initech', 'umbrella'].map((id) => ({ id, group: 'eu-sql-1', database: { name: `${id}Prod` },
      tables: [{ table: 'dbo.Customers', key: ['Id'], hash: ['Email'] }] })));
    const env = ofKind(synthPlatform(file), 'Deployment')[0].spec.template.spec.containers[0].env;
    expect(JSON.parse(env.find((e: any) => e.name === 'COLUMN_MASKS').value)).toEqual({ 'eu-sql-1': { 'dbo.Customers': { hash: ['Email'] } } });
  });

  test('the salt is in the output, in a property name: it is a pepper, not a secret', () => {
    const yaml = JSON.stringify(synthPlatform(withColumns([{ table: 'public.orders', key: ['id'], hash: ['email'] }])));
    expect(yaml).toContain(`column.mask.hash.v2.SHA-256.with.salt.${SALT}`);
  });

  test.each([
    ['a key column excluded', { table: 'public.customers', key: ['id'], exclude: ['id'] },
      'tenants[1].tables[0].exclude[0]: id is a key column of public.customers; the row key and the processor\'s output key depend on it, so it is always captured as it is: take it out of exclude'],
    ['a key column hashed', { table: 'public.customers', key: ['id'], hash: ['id'] }, /^tenants\[1\]\.tables\[0\]\.hash\[0\]: id is a key column of public\.customers/],
    ['a column in two rules', { table: 'public.customers', key: ['id'], hash: ['email'], truncate: { email: 5 } },
      'tenants[1].tables[0].truncate.email: email of public.customers is in hash and in truncate; give each column one rule'],
    ['include and exclude on one table', { table: 'public.customers', key: ['id'], include: ['a'], exclude: ['b'] },
      /^tenants\[1\]\.tables\[0\]\.exclude: public\.customers has both include and exclude; Debezium takes one of them/],
    ['a masked column that include leaves out', { table: 'public.customers', key: ['id'], include: ['name'], asterisks: { phone: 3 } },
      'tenants[1].tables[0].asterisks.phone: phone of public.customers is not captured (it is not in include), so there is nothing to mask; add it to include'],
    ['no key', { table: 'public.customers', exclude: ['ssn'] },
      'tenants[1].tables[0].key: required with column rules: list the primary key columns of public.customers, so they are always captured and never masked'],
    ['a column with a comma', { table: 'public.customers', key: ['id'], exclude: ['a,b'] }, /^tenants\[1\]\.tables\[0\]\.exclude\[0\]: "a,b" is not a column name/],
    ['a table with no rules', { table: 'public.customers', key: ['id'] }, /^tenants\[1\]\.tables\[0\]: public\.customers has no column rules; write it as a plain "schema\.table"/],
  ])('rejects %s, with the reason', (_, entry, expected) => {
    expect(problemsOf(withColumns([entry as any]))).toContainEqual(typeof expected === 'string' ? expected : expect.stringMatching(expected));
  });

  test('rejects include on one table and exclude on another of one tenant', () => {
    expect(problemsOf(withColumns([{ table: 'public.a', key: ['id'], include: ['x'] }, { table: 'public.b', key: ['id'], exclude: ['y'] }]))).toEqual([
      'tenants[1].tables: public.a lists columns to include and public.b columns to exclude, but Debezium takes either column.include.list or column.exclude.list '
        + 'per connector; use include for every table that selects columns, or exclude for all of them',
    ]);
  });

  test('rejects hashing without a salt, and a salt that cannot be a property name', () => {
    const file = withColumns([{ table: 'public.customers', key: ['id'], hash: ['email'] }]);
    expect(problemsOf({ ...file, masking: undefined })).toEqual([expect.stringMatching(/^tenants\[1\]\.tables\[0\]\.hash: hashing needs masking\.salt/)]);
    expect(problemsOf({ ...file, masking: { salt: 'short salt' } })).toEqual([expect.stringMatching(/^masking\.salt: the salt must be 16 to 128 letters, digits, '_' or '-'/)]);
  });
});
