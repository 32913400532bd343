import { changeSql, FIRST_CHANGE_ID, FleetTenant } from './fleet-tenants';
import { PsqlSession } from './psql-session';

/** A change the bench committed (or is committing) in a tenant database. */
export interface WrittenChange {
  readonly tenant: string;
  readonly id: number;
  /** The phase it belongs to, to tell latency changes from probes. */
  readonly phase: string;
}

/**
 * Writes the bench's changes, each a new row with an id unique over the run, through one psql session,
 * and remembers them so the final topic can be checked for every one. Writing does not wait for the
 * commit: a steady rate stays steady when the server is slow (latency is measured from the commit time
 * Debezium reports, not from here).
 */
export class ChangeWriter {
  readonly written: WrittenChange[] = [];
  private nextId = FIRST_CHANGE_ID;
  private readonly inFlight = new Set<Promise<unknown>>();
  private failure: Error | undefined;

  constructor(private readonly psql: PsqlSession) {}

  write(tenant: FleetTenant, phase: string): WrittenChange {
    if (this.failure) throw this.failure;
    const change = { tenant: tenant.id, id: this.nextId++, phase };
    this.written.push(change);
    const done = this.psql.run(changeSql(change.id), tenant.database).catch((error: Error) => { this.failure ??= error; });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
    return change;
  }

  /**
   * Writes `perSecond` changes a second, each to a tenant picked at random, until `stop()`; `stop` resolves
   * once all of them are committed.
   */
  steady(tenants: readonly FleetTenant[], perSecond: number, phase: string): { stop: () => Promise<void> } {
    let stopped = false;
    const started = Date.now();
    const loop = (async () => {
      for (let i = 0; !stopped && !this.failure; i++) {
        const due = started + (i * 1000) / perSecond;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        if (!stopped) this.write(tenants[Math.floor(Math.random() * tenants.length)], phase);
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
        await this.flush();
      },
    };
  }

  /** Waits until every change written so far is committed; throws psql's error if one failed. */
  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  of(phase: string): WrittenChange[] {
    return this.written.filter((c) => c.phase === phase);
  }
}
