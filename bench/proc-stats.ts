import { execFileSync } from 'child_process';
import * as fs from 'fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces): [0] is field 3, `state`. */
function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU seconds a process used so far, all its threads, plus those of children it already reaped
 * (PostgreSQL's backends that ended). Throws when the process is gone.
 */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  // utime, stime, cutime, cstime are fields 14 to 17
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

/** CPU seconds of a process and its living children: a PostgreSQL server is a postmaster and a process per connection. */
export function processTreeCpuSeconds(rootPid: number): number {
  let total = cpuSeconds(rootPid);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(Number(entry));
      if (Number(fields[1]) === rootPid) total += Number(fields[11]) / TICKS_PER_SECOND + Number(fields[12]) / TICKS_PER_SECOND;
    } catch { /* ended meanwhile */ }
  }
  return total;
}

/** Busy and total CPU seconds of the whole machine (all cores) from /proc/stat: what other users take too. */
function machineCpuSeconds(): { busy: number; total: number } {
  const [, ...values] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const ticks = values.map(Number);
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  // idle and iowait
  const idle = ticks[3] + ticks[4];
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/** Resident memory (VmRSS, bytes) and threads of a process, from /proc/<pid>/status. */
export function memoryAndThreads(pid: number): { residentBytes: number; threads: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { residentBytes: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) * 1024, threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]) };
}

/**
 * Average CPU use (in cores) of named processes over a time window, from their cumulative CPU seconds.
 * A source that fails (its process ended) reads as undefined.
 */
export class CpuWindow {
  private readonly startedAt = Date.now();
  private readonly start: Map<string, number | undefined>;
  private readonly machineStart = machineCpuSeconds();

  constructor(private readonly sources: Readonly<Record<string, () => number>>) {
    this.start = new Map(Object.entries(sources).map(([name, read]) => [name, attempt(read)]));
  }

  /** Cores used per source since the window opened, and the machine's busy cores (every user). */
  close(): { seconds: number; cores: Record<string, number | undefined>; machineBusyCores: number; machineCores: number } {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const cores: Record<string, number | undefined> = {};
    for (const [name, read] of Object.entries(this.sources)) {
      const before = this.start.get(name);
      const after = attempt(read);
      cores[name] = before === undefined || after === undefined ? undefined : (after - before) / seconds;
    }
    const machine = machineCpuSeconds();
    return {
      seconds, cores,
      machineBusyCores: (machine.busy - this.machineStart.busy) / seconds,
      machineCores: (machine.total - this.machineStart.total) / seconds,
    };
  }
}

function attempt(read: () => number): number | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
