import type { BatchInfo, TransactionEvent } from './kafka';
import type { ProcessorMetrics } from './metrics';
import { Outcome, tenantOfTopic } from './transform';

/**
 * Counts one batch's outcomes in the processor's metrics. A dead letter has no readable tenant: its raw
 * topic names it, so alerts can say whose records fail; a group's database that is no tenant's counts
 * under its group and database, with no tenant.
 */
export function countBatch(metrics: ProcessorMetrics, outcomes: readonly Outcome[], info: BatchInfo, routes: ReadonlyMap<string, string>, now = Date.now()): void {
  const topicTenant = tenantOfTopic(info.topic, routes);
  // the tenant's dead-letter counter exists at 0 from its first batch: a counter born at 1 shows no
  // increase, so rate() and increase() (the dashboards') would miss a tenant's first dead letter
  if (topicTenant !== '') metrics.eventsDeadLettered.inc({ tenant: topicTenant }, 0);
  for (const outcome of outcomes) {
    if (outcome.kind === 'forward') {
      metrics.eventsIn.inc({ tenant: outcome.event.tenant });
      metrics.eventsOut.inc({ tenant: outcome.event.tenant });
      metrics.tableEventsOut.inc({ tenant: outcome.event.tenant, table: `${outcome.event.schema}.${outcome.event.table}` });
      for (const { column, rule } of outcome.masked ?? []) {
        metrics.masksApplied.inc({ tenant: outcome.event.tenant, table: `${outcome.event.schema}.${outcome.event.table}`, column, rule });
      }
      if (outcome.event.source.committedAt > 0) metrics.latency.observe(Math.max(0, now - outcome.event.source.committedAt) / 1000);
    } else if (outcome.kind === 'dead-letter') {
      metrics.eventsIn.inc({ tenant: topicTenant });
      metrics.eventsDeadLettered.inc({ tenant: topicTenant });
      // a record unreadable or not, on a group's topic whose database is no tenant's, has no tenant to alert for:
      // it counts as unrouted, so TenantCdcUnroutedEvents names it (TenantCdcDeadLetters needs a tenant)
      if (outcome.reason === 'unrouted-database' || topicTenant === '') {
        // a group's topic is <group>.<database>.<schema>.<table>
        const [group, database] = info.topic.split('.');
        metrics.unroutedEvents.inc({ group, database });
      }
    } else {
      metrics.eventsSkipped.inc({ reason: outcome.reason });
    }
  }
  metrics.oversizedDeadLetters.inc(info.oversizedDeadLetters);
  metrics.consumerLag.set({ topic: info.topic, partition: String(info.partition), tenant: topicTenant }, info.lag);
  if (info.slot !== undefined) metrics.slotLag.set(info.slot, info.topic, info.partition, info.lag);
  metrics.batchDuration.observe(info.seconds);
}

/**
 * Counts what happened to a slot's transactional producer. At its opening the slot's commit and fence
 * counters start at 0 (both true then), so `increase()` sees their first one.
 */
export function countTransaction(metrics: ProcessorMetrics, event: TransactionEvent): void {
  const labels = { slot: String(event.slot) };
  if (event.kind === 'opened') {
    metrics.eosSlotOpens.inc(labels);
    metrics.eosCommits.inc(labels, 0);
    metrics.eosFenced.inc(labels, 0);
  } else if (event.kind === 'committed') {
    metrics.eosCommits.inc(labels);
  } else {
    metrics.eosFenced.inc(labels);
  }
}
