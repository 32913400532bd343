import * as fs from 'fs';

/** How often a task's poll failed with an error Connect retries, and why, from the worker's log. */
export interface RetriedErrors {
  readonly count: number;
  readonly first: number;
  /** The deepest `Caused by:` of the last one. */
  readonly reason: string;
}

/**
 * The poll errors Connect logged as retriable for a task since `since` (ms): `WorkerSourceTask{id=<task>}
 * failed to poll records from SourceTask. Will retry operation.` and its stack trace. A task in that loop
 * reports RUNNING in Connect's status, so only the log (or Debezium's metrics) tells that it is stuck.
 */
export function retriedPollErrors(logFile: string, taskId: string, since: number): RetriedErrors | undefined {
  const lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n') : [];
  const marker = `WorkerSourceTask{id=${taskId}} failed to poll records`;
  let count = 0;
  let first = 0;
  let reason = '';
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].includes(marker)) continue;
    const at = logTime(lines[i]);
    if (at === undefined || at < since) continue;
    count++;
    first ||= at;
    const trace: string[] = [];
    for (let j = i + 1; j < lines.length && !lines[j].startsWith('['); j++) trace.push(lines[j].trim());
    const causes = trace.filter((l) => l.startsWith('Caused by:'));
    reason = (causes.length ? causes[causes.length - 1].slice('Caused by: '.length) : trace[0] ?? lines[i]).slice(0, 240);
  }
  return count ? { count, first, reason } : undefined;
}

/** The time of a log line written with the pattern `[%d] ...` (log4j's default date, local time). */
function logTime(line: string): number | undefined {
  const match = /^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3})\]/.exec(line);
  return match ? new Date(`${match[1]}T${match[2]}.${match[3]}`).getTime() : undefined;
}
