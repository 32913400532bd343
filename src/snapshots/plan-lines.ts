/**
 * What `npm run plan` says about tables added to a running connector: with the signal channel, the
 * processor's snapshot reconciler snapshots each one while the connector streams; without it (an output
 * from before signals), the table is captured from the restart on, with no history.
 */
import { includedTables } from '../app/plan/captures';

function signalled(config: Readonly<Record<string, string>>): boolean {
  return config['signal.kafka.topic'] !== undefined && (config['signal.enabled.channels'] ?? '').split(',').includes('kafka');
}

/** One line per table the change adds to a connector that keeps running. */
export function addedTableLines(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>, group: boolean): string[] {
  const had = new Set(includedTables(before));
  const added = includedTables(after).filter((t) => !had.has(t));
  const where = group ? ', in every database of the group' : '';
  // the reconciler takes a connector it never saw before with all its tables as its baseline
  return added.map((table) => (signalled(before) && signalled(after)
    ? `snapshot of ${table} (while streaming${where})`
    : `${table}: captured from the restart on, without its existing rows (the connector had no snapshot signal channel before this change)`));
}
