import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SlotLag } from './slot-lag';

/** The processor's Prometheus metrics, on `/metrics`. */
export class ProcessorMetrics {
  public readonly registry = new Registry();
  public readonly eventsIn = new Counter({ name: 'tenant_cdc_events_in_total', help: 'Records read from the raw topics, by tenant (of the raw topic when unparseable)', labelNames: ['tenant'], registers: [this.registry] });
  public readonly eventsOut = new Counter({ name: 'tenant_cdc_events_out_total', help: 'Events written to the final topic, by tenant', labelNames: ['tenant'], registers: [this.registry] });
  public readonly tableEventsOut = new Counter({
    name: 'tenant_cdc_table_events_out_total',
    help: 'Events written to the final topic, by tenant and table (schema.table as the event names it)',
    labelNames: ['tenant', 'table'],
    registers: [this.registry],
  });
  public readonly eventsDeadLettered = new Counter({ name: 'tenant_cdc_events_dlq_total', help: 'Records sent to the dead-letter topic, by the tenant of their raw topic', labelNames: ['tenant'], registers: [this.registry] });
  public readonly unroutedEvents = new Counter({
    name: 'tenant_cdc_unrouted_events_total',
    help: 'Events of a SQL Server group\'s database that is no tenant of the group, sent to the dead-letter topic (never labelled with the group\'s name)',
    labelNames: ['group', 'database'],
    registers: [this.registry],
  });
  public readonly masksApplied = new Counter({
    name: 'tenant_cdc_masks_applied_total',
    help: 'Values of a column declared hash or asterisks that arrived unmasked (Debezium masks character columns only), masked by the processor; the raw topic holds them in clear',
    labelNames: ['tenant', 'table', 'column', 'rule'],
    registers: [this.registry],
  });
  public readonly oversizedDeadLetters = new Counter({
    name: 'tenant_cdc_dlq_oversized_total',
    help: 'Dead letters too large for the dead-letter topic, replaced there by a small stand-in (header cdc-oversized) that names their source offset',
    registers: [this.registry],
  });
  public readonly eventsSkipped = new Counter({ name: 'tenant_cdc_events_skipped_total', help: 'Records not forwarded on purpose, by reason: tombstone, heartbeat, schema-change, transaction, not-a-row-change, signal-table (the signal table\'s snapshot watermarks)', labelNames: ['reason'], registers: [this.registry] });
  public readonly consumerLag = new Gauge({ name: 'tenant_cdc_consumer_lag', help: 'Records behind the end of each raw topic partition, at the last batch, with the topic\'s tenant', labelNames: ['topic', 'partition', 'tenant'], registers: [this.registry] });
  /** Exactly-once: records behind the end of each slot's input partitions. */
  public readonly slotLag = new SlotLag(this.registry);
  public readonly eosCommits = new Counter({
    name: 'tenant_cdc_eos_commits_total',
    help: 'Exactly-once: transactions committed (outputs and input offsets of the slot\'s waiting batches), by slot',
    labelNames: ['slot'],
    registers: [this.registry],
  });
  public readonly eosFenced = new Counter({
    name: 'tenant_cdc_eos_fenced_total',
    help: 'Exactly-once: transactions refused because a newer producer of the slot fenced theirs (another replica took the slot, or this one was a zombie) or the broker ended them; their batches run again on a new producer. By slot',
    labelNames: ['slot'],
    registers: [this.registry],
  });
  public readonly eosSlotOpens = new Counter({
    name: 'tenant_cdc_eos_slot_opens_total',
    help: 'Exactly-once: slot producers opened (each fences the slot\'s earlier producers and ends their open transaction), by slot',
    labelNames: ['slot'],
    registers: [this.registry],
  });
  public readonly latency = new Histogram({
    name: 'tenant_cdc_processing_latency_seconds',
    help: 'From the database commit (source.ts_ms) to the output being acknowledged',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  public readonly kafkaAccessRefused = new Counter({
    name: 'tenant_cdc_kafka_access_refused_total',
    help: 'Refusals of the broker: a login (kind authentication) or an action for want of an ACL (kind authorization)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  public readonly batchDuration = new Histogram({
    name: 'tenant_cdc_batch_duration_seconds',
    help: 'Time to transform, produce and commit one batch',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  public readonly snapshotPending = new Gauge({
    name: 'tenant_cdc_snapshot_pending_seconds',
    help: 'Tables added to a running connector and not snapshotted yet: seconds since the first signal, by state (to-signal, signalled, running, failed)',
    labelNames: ['tenant', 'connector', 'table', 'state'],
    registers: [this.registry],
  });
  public readonly snapshotLeader = new Gauge({ name: 'tenant_cdc_snapshot_reconciler_leader', help: '1 on the replica that reconciles snapshots', registers: [this.registry] });

  constructor() {
    // both kinds from the start, at 0: the alert's increase() then sees a first refusal as one
    for (const kind of ['authentication', 'authorization']) this.kafkaAccessRefused.inc({ kind }, 0);
  }
}
