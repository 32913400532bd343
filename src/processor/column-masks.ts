import { createHash } from 'crypto';
import { canonicalJson } from './exact-json';

/**
 * The tenants file's `hash` and `asterisks` rules, applied where Debezium did not apply them.
 *
 * Debezium masks character columns only (its MaskStrings maps CHAR, VARCHAR, LONGVARCHAR, CLOB, NCHAR,
 * NVARCHAR, LONGNVARCHAR, NCLOB and DATALINK columns, and passes every other JDBC type through), so a
 * PostgreSQL `citext`, a `uuid` or a number declared masked reaches the raw topic in clear. The processor
 * knows the declared rules and applies the same ones before anything reaches the final topic: the hex
 * SHA-256 of salt + value (Debezium's `column.mask.hash.v2`), the same number of asterisks.
 *
 * A value is taken as masked by Debezium when it is what Debezium writes: for `asterisks`, exactly the
 * asterisks; for `hash`, 1 to 64 lowercase hexadecimal characters with a letter among them (a hash cut to
 * a short column's length keeps its first characters). Anything else is masked here: a number, a string with
 * other characters, and digits alone (a decimal written as a string).
 *
 * Each hashed column's values also teach what the column is (per process): Debezium's hashes of one column
 * all have one length (64, or the column's length), so a column that has shown a clear value, or hex values of
 * two lengths, is one Debezium does not mask: every value of it is hashed here from then on, `cafe` included.
 * Digits alone are always hashed here: a Debezium hash cut to a short column is sometimes all digits (1 in 43
 * of an 8-character column's), and is then hashed twice and counted, which is safe but not Debezium's value.
 */

/** One table's masks as the tenants file declares them. */
export interface TableMasks {
  readonly hash?: readonly string[];
  /** Column to number of asterisks. */
  readonly asterisks?: Readonly<Record<string, number>>;
}

/** Declared masks: topic prefix (the connector) to `schema.table` (MySQL and MariaDB `db.table`) to rules. */
export type ColumnMaskRules = Readonly<Record<string, Readonly<Record<string, TableMasks>>>>;

/** A value the processor masked because it arrived unmasked. */
export interface MaskApplied {
  readonly column: string;
  readonly rule: 'hash' | 'asterisks';
}

type Rule = { readonly kind: 'hash' } | { readonly kind: 'asterisks'; readonly mask: string };

/** The hex SHA-256 of the salt's bytes followed by the value's, UTF-8: Debezium's `HashingByteArrayStrategy.V2`. */
export function debeziumHash(salt: string, value: string): string {
  return createHash('sha256').update(Buffer.from(salt, 'utf8')).update(Buffer.from(value, 'utf8')).digest('hex');
}

/** What Debezium's hash of a character column looks like: hex, cut to the column's length (see above). */
const HEX = /^[0-9a-f]{1,64}$/;
const DIGITS = /^[0-9]+$/;

/** What a hashed column's values have shown so far. */
interface ColumnEvidence {
  /** A value Debezium cannot have written: the column is not one it masks. */
  clear: boolean;
  /** The length of the hashes seen, while they all have one. */
  hashLength?: number;
}

export class ColumnMasks {
  /** `<prefix>|<lowercased schema.table>` to lowercased column to its rule. */
  private readonly tables = new Map<string, Map<string, Rule>>();
  /** `<prefix>|<database>|<schema.table>|<column>` (lowercased) to what its values have shown. */
  private readonly evidence = new Map<string, ColumnEvidence>();

  /** @throws Error when a column is hashed and there is no salt */
  constructor(rules: ColumnMaskRules, private readonly salt?: string) {
    for (const [prefix, tables] of Object.entries(rules)) {
      for (const [table, masks] of Object.entries(tables)) {
        const columns = new Map<string, Rule>();
        for (const column of masks.hash ?? []) columns.set(column.toLowerCase(), { kind: 'hash' });
        for (const [column, count] of Object.entries(masks.asterisks ?? {})) columns.set(column.toLowerCase(), { kind: 'asterisks', mask: '*'.repeat(count) });
        if (masks.hash?.length && salt === undefined) throw new Error(`${prefix} hashes columns of ${table}, but there is no salt`);
        if (columns.size > 0) this.tables.set(`${prefix}|${table.toLowerCase()}`, columns);
      }
    }
  }

  /** Whether any mask is declared. */
  get isEmpty(): boolean {
    return this.tables.size === 0;
  }

  /**
   * The row of connector `prefix`'s table `schema.table` with every declared mask in place, and which
   * values were masked here because they arrived unmasked (a null is masked as Debezium would, not counted).
   * `database` keeps apart what the columns of a SQL Server group's databases teach (their types may differ).
   */
  apply(prefix: string, table: string, row: Record<string, unknown> | null, database = ''): { row: Record<string, unknown> | null; applied: MaskApplied[] } {
    const columns = row === null ? undefined : this.tables.get(`${prefix}|${table.toLowerCase()}`);
    if (!row || !columns) return { row, applied: [] };
    const applied: MaskApplied[] = [];
    let masked: Record<string, unknown> | undefined;
    for (const [column, value] of Object.entries(row)) {
      const rule = columns.get(column.toLowerCase());
      if (!rule) continue;
      const replacement = rule.kind === 'hash' ? this.hashed(value, `${prefix}|${database.toLowerCase()}|${table.toLowerCase()}|${column.toLowerCase()}`)
        : value === rule.mask ? undefined : rule.mask;
      if (replacement === undefined) continue;
      masked ??= { ...row };
      masked[column] = replacement;
      if (value !== null) applied.push({ column, rule: rule.kind });
    }
    return { row: masked ?? row, applied };
  }

  /** The hash of a value Debezium did not hash, or undefined when it did (or the value is null, as Debezium keeps it). */
  private hashed(value: unknown, column: string): string | undefined {
    if (value === null || value === undefined) return undefined;
    if (this.isDebeziumHash(value, column)) return undefined;
    // Debezium hashes value.toString(): a number's digits as they arrived, a string itself
    // (canonicalJson writes a lossless number's digits, and an object or array as JSON)
    const text = typeof value === 'string' ? value : typeof value === 'object' ? canonicalJson(value) : String(value);
    return debeziumHash(this.salt!, text);
  }

  /** Whether a value of a hashed column is Debezium's hash, learning from it what the column is (see above). */
  private isDebeziumHash(value: unknown, column: string): boolean {
    let seen = this.evidence.get(column);
    if (!seen) this.evidence.set(column, seen = { clear: false });
    if (typeof value !== 'string' || !HEX.test(value)) {
      seen.clear = true;
      return false;
    }
    if (seen.clear) return false;
    // digits alone may be Debezium's hash cut short (1 in 43 of an 8-character column's) or a clear number:
    // the shape cannot tell, and a column of hex tokens looks like a hashed one, so they are hashed (again)
    if (DIGITS.test(value)) return false;
    if (seen.hashLength !== undefined && seen.hashLength !== value.length) {
      seen.clear = true;
      return false;
    }
    seen.hashLength = value.length;
    return true;
  }
}
