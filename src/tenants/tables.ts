import { isSignalTable } from '../snapshots/signal-config';
import { BINLOG_KINDS } from './rules';

/**
 * A tenant's `tables:`: which tables it captures and the rules for their columns, checked the way
 * Debezium will apply them (column names are `schema.table.column`, MySQL and MariaDB `db.table.column`).
 */

/** The column rules of one table, as the constructs take them. */
export interface TableColumns {
  /** `schema.table` (MySQL and MariaDB `db.table`). */
  readonly table: string;
  /** Primary key columns: always captured, never masked. */
  readonly key: readonly string[];
  /** Capture only these (the key is added); absent: every column. */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly hash?: readonly string[];
  /** Column to number of asterisks. */
  readonly asterisks?: Readonly<Record<string, number>>;
  /** Column to number of characters kept. */
  readonly truncate?: Readonly<Record<string, number>>;
}

/** A table entry as written: `schema.table`, or an object with column rules. */
export type TableEntry = string | ({ readonly table: string } & Partial<Omit<TableColumns, 'table'>>);

type Add = (path: ReadonlyArray<PropertyKey>, message: string) => void;

/** The tables and their column rules, or undefined after reporting every problem. */
export function resolveTables(entries: readonly TableEntry[], path: ReadonlyArray<PropertyKey>, add: Add,
  context: { readonly tenant: string; readonly kind: string; readonly database: string; readonly hasSalt: boolean }): { names: string[]; columns: TableColumns[] } | undefined {
  let ok = true;
  const fail = (where: ReadonlyArray<PropertyKey>, message: string) => {
    add(where, message);
    ok = false;
  };
  const inherited = path[0] === 'defaults' ? ` (tenant ${context.tenant})` : '';
  const names: string[] = [];
  const columns: TableColumns[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const name = typeof entry === 'string' ? entry : entry.table;
    const namePath = typeof entry === 'string' ? [...path, i] : [...path, i, 'table'];
    if (seen.has(name.toLowerCase())) fail(namePath, `${JSON.stringify(name)} is listed twice; remove the duplicate`);
    seen.add(name.toLowerCase());
    // a binlog connector captures one database (database.include.list): its tables are written db.table
    if ((BINLOG_KINDS as readonly string[]).includes(context.kind) && name.split('.')[0] !== context.database) {
      fail(namePath, `${JSON.stringify(name)} is not in the tenant's database ${JSON.stringify(context.database)}${inherited}; `
        + `${context.kind} tables are written database.table, e.g. "${context.database}.${name.split('.')[1]}"`);
    }
    // Debezium captures its signal table anyway (its watermark rows reach a topic of their own, which the processor skips)
    if (isSignalTable(name.split('.').pop()!)) {
      fail(namePath, `${JSON.stringify(name)} is the signal table Debezium writes snapshot watermarks to${inherited}, not a table to capture; remove it from tables `
        + `(docs/tenants-file.md: The signal table)`);
    }
    names.push(name);
    if (typeof entry !== 'string') {
      const rules = checkColumnRules({ ...entry, key: entry.key ?? [] }, [...path, i], fail, context.hasSalt);
      if (rules) columns.push(rules);
    }
  });
  const including = columns.filter((c) => c.include).map((c) => c.table);
  const excluding = columns.filter((c) => c.exclude).map((c) => c.table);
  if (including.length > 0 && excluding.length > 0) {
    fail(path, `${including[0]} lists columns to include and ${excluding[0]} columns to exclude${inherited}, but Debezium takes either `
      + 'column.include.list or column.exclude.list per connector; use include for every table that selects columns, or exclude for all of them');
  }
  return ok ? { names, columns } : undefined;
}

/** One table's rules: lists without repeats, no column in two rules, the key never excluded or masked. */
function checkColumnRules(rules: TableColumns, path: ReadonlyArray<PropertyKey>, fail: Add, hasSalt: boolean): TableColumns | undefined {
  let ok = true;
  const problem = (where: ReadonlyArray<PropertyKey>, message: string) => {
    fail(where, message);
    ok = false;
  };
  const key = new Set(rules.key);
  if (rules.include && rules.exclude) {
    problem([...path, 'exclude'], `${rules.table} has both include and exclude; Debezium takes one of them: list the columns to capture, or those to leave out`);
  }
  // which rule each column is in, to catch a column in two rules
  const ruleOf = new Map<string, string>();
  const lists: Array<[string, readonly string[] | undefined]> = [
    ['exclude', rules.exclude], ['hash', rules.hash], ['asterisks', rules.asterisks && Object.keys(rules.asterisks)], ['truncate', rules.truncate && Object.keys(rules.truncate)],
  ];
  for (const [rule, list] of lists) {
    (list ?? []).forEach((column, i) => {
      const where = Array.isArray((rules as any)[rule]) ? [...path, rule, i] : [...path, rule, column];
      if (key.has(column)) {
        problem(where, `${column} is a key column of ${rules.table}; the row key and the processor's output key depend on it, so it is always captured `
          + `as it is: take it out of ${rule}`);
      } else if (ruleOf.has(column)) {
        problem(where, `${column} of ${rules.table} is in ${ruleOf.get(column)} and in ${rule}; give each column one rule`);
      } else if (rule !== 'exclude' && rules.include && !rules.include.includes(column)) {
        problem(where, `${column} of ${rules.table} is not captured (it is not in include), so there is nothing to ${rule === 'hash' ? 'hash' : 'mask'}; add it to include`);
      }
      ruleOf.set(column, rule);
    });
  }
  for (const rule of ['key', 'include', 'exclude', 'hash'] as const) {
    const list = rules[rule] ?? [];
    list.forEach((column, i) => {
      if (list.indexOf(column) !== i) problem([...path, rule, i], `${column} is listed twice in ${rule} of ${rules.table}; remove the duplicate`);
    });
  }
  if (rules.hash?.length && !hasSalt) {
    problem([...path, 'hash'], 'hashing needs masking.salt (a random pepper of 16+ characters, e.g. from `openssl rand -hex 16`); set it at the top of the file');
  }
  const hasRules = rules.include || rules.exclude || rules.hash || rules.asterisks || rules.truncate;
  if (!hasRules) problem(path, `${rules.table} has no column rules; write it as a plain "schema.table", or add include, exclude, hash, asterisks or truncate`);
  if (rules.key.length === 0) {
    problem([...path, 'key'], `required with column rules: list the primary key columns of ${rules.table}, so they are always captured and never masked`);
  }
  return ok ? { ...rules, ...(rules.include && { include: [...new Set([...rules.key, ...rules.include])] }) } : undefined;
}
