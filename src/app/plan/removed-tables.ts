import { includedTables, TenantCapture } from './captures';

/**
 * What a table taken out of a tenant's list leaves behind: Debezium stops writing its topic but never
 * deletes it, and SQL Server keeps the table's capture instance. One line per table, empty when no table goes.
 */
export function removedTableExplanations(before: TenantCapture, after: TenantCapture): string[] {
  const kept = new Set(capturedTables(after));
  return capturedTables(before).filter((table) => !kept.has(table)).map((table) => {
    const topic = before.kind === 'sqlserver' ? `${before.topicPrefix}.${before.database}.${table}` : `${before.topicPrefix}.${table}`;
    // Debezium writes SQL Server's database part of a topic as the server spells the name, not as the file does
    const spelling = before.kind === 'sqlserver' ? ', the database as the server spells it' : '';
    const line = `left behind: the topic ${topic} (of ${table}${spelling}; delete it when its consumers are done)`;
    if (before.kind === 'sqlserver') {
      return `${line}, and the table's CDC capture instance, whose change table keeps filling (sys.sp_cdc_disable_table, a DBA step)`;
    }
    // publication.autocreate.mode filtered: PostgresReplicationConnection sets the publication's tables at every start
    if (before.kind === 'postgres') return `${line}; Debezium takes the table out of publication ${before.config['publication.name']} when the connector restarts`;
    return line;
  });
}

/** The tables of `table.include.list` (anchored, escaped regexes), as the tenants file names them. */
export function capturedTables(capture: TenantCapture): string[] {
  return includedTables(capture.config);
}
